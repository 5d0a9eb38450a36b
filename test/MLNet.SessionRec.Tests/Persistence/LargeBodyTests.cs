using System.Security.Cryptography;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;
using MLNet.SessionRec.Persistence;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>Model bodies and tensors beyond what one array (2 GB) holds: 64-bit lengths, chunked buffers.</summary>
[TestClass]
public sealed class LargeBodyTests
{
    [TestMethod]
    public void Chunked_buffer_reads_back_what_was_written_across_chunk_boundaries()
    {
        var data = new byte[1000];
        new Random(3).NextBytes(data);
        using var buffer = new ChunkedBuffer(chunkSize: 7);
        buffer.Write(data, 0, 500);
        buffer.Write(data.AsSpan(500));
        Assert.AreEqual(1000, buffer.Length);
        buffer.Position = 0;
        var back = new byte[1000];
        Assert.AreEqual(1000, buffer.Read(back, 0, 1000));
        CollectionAssert.AreEqual(data, back);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        buffer.ForEachChunk(hash.AppendData);
        CollectionAssert.AreEqual(SHA256.HashData(data), hash.GetHashAndReset());
    }

    [TestMethod]
    public void Appending_from_a_short_stream_stops_at_its_end_and_allocates_only_what_arrived()
    {
        using var buffer = new ChunkedBuffer(chunkSize: 16);
        long copied = buffer.AppendFrom(new MemoryStream(new byte[40]), 1L << 40); // a forged terabyte length
        Assert.AreEqual(40, copied);
        Assert.AreEqual(40, buffer.Length);
        using var again = new ChunkedBuffer(chunkSize: 16);
        var source = new MemoryStream(Enumerable.Range(0, 50).Select(i => (byte)i).ToArray());
        Assert.AreEqual(20, again.AppendFrom(source, 20));
        Assert.AreEqual(30, again.AppendFrom(source, 30));
        var back = new byte[50];
        again.Position = 0;
        Assert.AreEqual(50, again.Read(back));
        CollectionAssert.AreEqual(Enumerable.Range(0, 50).Select(i => (byte)i).ToArray(), back);
    }

    /// <summary>
    /// A GRU4Rec output matrix of 1,342,178 items × 400 units is 2,147,484,800 bytes, one more float row than an
    /// array can hold: the body (written in chunks, checksummed over 64-bit lengths) reads back the same weights.
    /// Needs about 7 GB of memory and a minute.
    /// </summary>
    [TestMethod]
    [TestCategory("Scale")]
    public void A_gru4rec_tensor_over_2_GB_is_written_and_read_back_exactly()
    {
        const int items = 1_342_178, units = 400;
        var vocabulary = new ItemVocabulary();
        for (int i = 0; i < items; i++) vocabulary.GetOrAdd("i" + i);
        var options = new Gru4RecTrainer.Options { LayerSizes = [units], BatchSize = 32, NumberOfSamples = 0 };
        using var net = new Gru4RecNetwork(options, items, CPU);
        Assert.IsTrue(net.Wy.numel() * sizeof(float) > int.MaxValue, "the test needs a tensor over 2 GB");
        using var model = new Gru4RecModel(options, vocabulary, net);
        double sum, lastRow;
        using (no_grad())
        {
            sum = net.Wy.sum().item<float>();
            lastRow = net.Wy[items - 1].sum().item<float>();
        }
        using var body = new ChunkedBuffer();
        using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(writer, model);
        Assert.IsTrue(body.Length > int.MaxValue);
        body.Position = 0;
        using var reader = new BinaryReader(body);
        using var back = (Gru4RecModel)SessionModelRegistry.Read(reader, null);
        using (no_grad())
        {
            Assert.AreEqual(sum, back.Network.Wy.sum().item<float>());
            Assert.AreEqual(lastRow, back.Network.Wy[items - 1].sum().item<float>());
            Assert.IsTrue(back.Network.Wy.allclose(net.Wy, 0, 0), "the weights differ after the round trip");
        }
        Assert.AreEqual(body.Length, body.Position, "the reader consumed the whole body");
    }
}
