using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML;

using MLNet.SessionRec.Tests.Pipeline;

namespace MLNet.SessionRec.Tests.Persistence;

[TestClass]
public sealed class SaveLoadTests
{
    public TestContext TestContext { get; set; } = null!;

    private string TempFile(string name) => Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"{TestContext.TestName}-{Guid.NewGuid():N}-{name}");

    [TestMethod]
    public void BaselinePipelineLoadsInAFreshProcessWithIdenticalListsAndRecall()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("ItemId")
            .Append(ml.SessionRecommendation().Trainers.SequentialRules());
        var train = PipelineTestData.Events(ml, "train_full");
        var model = pipeline.Fit(train);
        string path = TempFile("sr.zip");
        ml.Model.Save(model, train.Schema, path);

        var prefixes = PipelineTestData.Prefixes("test", 300);
        var expected = PipelineTestData.Predict(ml, model, prefixes).Select(PipelineTestData.Line).ToList();
        var recall = ml.SessionRecommendation().Evaluate(model, PipelineTestData.Events(ml, "test"));
        Assert.IsGreaterThan(0.55, recall.RecallAt(20), "SR on rsc15-100k (reference 0.6189)");

        string input = TempFile("sessions.txt"), output = TempFile("predictions.txt");
        File.WriteAllLines(input, prefixes.Select(p => string.Join(' ', p)));
        string stdout = PipelineTestData.RunLoadCheck(path, input, output, TestData.Rsc15("test"));
        CollectionAssert.AreEqual(expected, File.ReadAllLines(output));
        StringAssert.Contains(stdout, string.Create(CultureInfo.InvariantCulture, $"Recall@20={recall.RecallAt(20):R} MRR@20={recall.MrrAt(20):R}"));
    }

    [TestMethod]
    [DataRow(SessionBaseline.Popularity)]
    [DataRow(SessionBaseline.SessionPopularity)]
    [DataRow(SessionBaseline.ItemKnn)]
    [DataRow(SessionBaseline.Markov)]
    [DataRow(SessionBaseline.AssociationRules)]
    [DataRow(SessionBaseline.SequentialRules)]
    public void EveryBaselineRoundTripsThroughTheModelFile(SessionBaseline baseline)
    {
        var ml = new MLContext(seed: 1);
        var train = PipelineTestData.Events(ml, "train_full");
        var model = ml.SessionRecommendation().Trainers.Baseline(new SessionBaselineTrainer.Options { Baseline = baseline, TopK = 10 }).Fit(train);
        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(seed: 2).Model.Load(stream, out _);
        var prefixes = PipelineTestData.Prefixes("test", 100);
        var before = PipelineTestData.Predict(ml, model, prefixes).Select(PipelineTestData.Line).ToList();
        var after = PipelineTestData.Predict(ml, loaded, prefixes).Select(PipelineTestData.Line).ToList();
        CollectionAssert.AreEqual(before, after);
        Assert.AreEqual(model.Model.Name, SessionRecommenderLoading.Find(loaded).Model.Name);
    }

    // A small saved model and the bytes of its entries, for the corruption tests.
    private (byte[] Zip, MLContext Ml) SavedMarkov()
    {
        var ml = new MLContext(seed: 1);
        var train = PipelineTestData.Events(ml, "train_full");
        var model = ml.SessionRecommendation().Trainers.Markov().Fit(train);
        using var stream = new MemoryStream();
        ml.Model.Save(model, train.Schema, stream);
        return (stream.ToArray(), ml);
    }

    private static byte[] Rewrite(byte[] zip, Func<string, byte[], byte[]> change)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var read = entry.Open();
                using var buffer = new MemoryStream();
                read.CopyTo(buffer);
                using var write = target.CreateEntry(entry.FullName).Open();
                write.Write(change(entry.FullName, buffer.ToArray()));
            }
        }
        return output.ToArray();
    }

    private static Exception LoadFails(byte[] zip)
    {
        var ml = new MLContext();
        try { ml.Model.Load(new MemoryStream(zip), out _); }
        catch (Exception e) { return e; }
        Assert.Fail("Loading the damaged model succeeded.");
        return null!;
    }

    private static string AllMessages(Exception e) => string.Join(" | ", Enumerable.Repeat(e, 1).Concat(Inner(e)).Select(x => x.Message));

    private static IEnumerable<Exception> Inner(Exception e)
    {
        for (var x = e.InnerException; x != null; x = x.InnerException) yield return x;
    }

    private const string ModelStream = "SessionModel.bin";

    [TestMethod]
    public void TheModelStreamIsWhereTheTestsExpectIt()
    {
        var (zip, _) = SavedMarkov();
        using var archive = new ZipArchive(new MemoryStream(zip));
        Assert.ContainsSingle(archive.Entries.Where(e => e.FullName.EndsWith(ModelStream, StringComparison.Ordinal)));
    }

    [TestMethod]
    public void CorruptedWeightsGiveAClearError()
    {
        var (zip, _) = SavedMarkov();
        var damaged = Rewrite(zip, (name, bytes) =>
        {
            if (name.EndsWith(ModelStream, StringComparison.Ordinal)) bytes[bytes.Length / 2] ^= 0x55;
            return bytes;
        });
        StringAssert.Contains(AllMessages(LoadFails(damaged)), "corrupted (checksum mismatch)");
    }

    [TestMethod]
    public void TruncatedModelStreamGivesAClearError()
    {
        var (zip, _) = SavedMarkov();
        var damaged = Rewrite(zip, (name, bytes) => name.EndsWith(ModelStream, StringComparison.Ordinal) ? bytes[..(bytes.Length * 2 / 3)] : bytes);
        StringAssert.Contains(AllMessages(LoadFails(damaged)), "truncated");
    }

    [TestMethod]
    public void TruncatedFileGivesAnError()
    {
        var (zip, _) = SavedMarkov();
        StringAssert.Contains(AllMessages(LoadFails(zip[..(zip.Length / 2)])), "zip archive");
    }

    [TestMethod]
    public void NotAModelGivesAnError()
    {
        StringAssert.Contains(AllMessages(LoadFails(System.Text.Encoding.UTF8.GetBytes("SessionId\tItemId\tTime\n1\t2\t3\n"))), "zip archive");
    }

    [TestMethod]
    public void ANewerTransformerVersionIsRefusedClearly()
    {
        var (zip, _) = SavedMarkov();
        bool patched = false;
        // ML.NET's model header: at 0x40 the 8-byte model signature, then the written and readable versions (uint32).
        var signature = System.Text.Encoding.ASCII.GetBytes("SESSREC1");
        var damaged = Rewrite(zip, (name, bytes) =>
        {
            if (name.EndsWith("Model.key", StringComparison.Ordinal) && bytes.AsSpan(0x40, 8).SequenceEqual(signature))
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(0x48, 4), 0x00020001u);
                BitConverter.TryWriteBytes(bytes.AsSpan(0x4C, 4), 0x00020001u);
                patched = true;
            }
            return bytes;
        });
        Assert.IsTrue(patched, "our transformer's header was not found");
        string message = AllMessages(LoadFails(damaged));
        StringAssert.Contains(message, "newer", message);
    }

    [TestMethod]
    public void ANewerSessionModelFormatIsRefusedClearly()
    {
        var (zip, _) = SavedMarkov();
        var damaged = Rewrite(zip, (name, bytes) =>
        {
            if (!name.EndsWith(ModelStream, StringComparison.Ordinal)) return bytes;
            // [int64 length][SHA-256][body]; the body starts with the registry's magic string, then its version.
            var body = bytes.AsSpan(40);
            int magicLength = body[0];
            BitConverter.TryWriteBytes(body.Slice(1 + magicLength, 4), 99);
            SHA256.HashData(body).CopyTo(bytes.AsSpan(8, 32));
            return bytes;
        });
        StringAssert.Contains(AllMessages(LoadFails(damaged)), "newer format version (99)");
    }
}
