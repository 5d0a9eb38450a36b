using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// Checkpoints after every epoch and resume: a run resumed from epoch 2 ends where the uninterrupted run ends, bit for
/// bit on the CPU; a checkpoint of other data or other parameters is refused with a line saying which.
/// </summary>
[TestClass]
public sealed class Gru4RecCheckpointTests
{
    // Dropout, momentum and shared negatives: every piece of state a checkpoint must carry is in play.
    private const string Small = Gru4RecTestData.SmallParams + ",layers=24,dropout_p_hidden=0.3,momentum=0.3";

    private static float[] Weights(Gru4RecModel m) =>
        m.Network.NamedTensors().SelectMany(t => t.Tensor.detach().cpu().data<float>().ToArray()).ToArray();

    private static Gru4RecTrainer.Options Options(int epochs, string? directory = null, bool resume = false, string extra = "")
    {
        var o = Gru4RecTrainer.Options.Parse(Small + $",n_epochs={epochs}" + extra);
        o.CheckpointDirectory = directory;
        o.Resume = resume;
        return o;
    }

    private static string TempFolder() => Directory.CreateTempSubdirectory("sessionrec-checkpoint-").FullName;

    [TestMethod]
    public void TwoEpochsThenResumingToFourEqualsFourUninterrupted()
    {
        var data = Gru4RecTestData.Subset(400);
        string folder = TempFolder();
        try
        {
            using (var first = Gru4RecTestData.TrainModel(data, Options(2, folder), seed: 7)) { }
            string file = Path.Combine(folder, Gru4RecCheckpoint.FileName);
            Assert.AreEqual(2, Gru4RecCheckpoint.ReadEpoch(file));
            Assert.IsEmpty(Directory.GetFiles(folder, "*.tmp"), "no temporary file is left");

            var resumedEpochs = new List<int>();
            // Another seed: the resumed run continues the checkpoint's random streams, not its own.
            using var resumed = Gru4RecTestData.TrainModel(data, Options(4, folder, resume: true), seed: 99, onEpoch: r => resumedEpochs.Add(r.Epoch));
            using var straight = Gru4RecTestData.TrainModel(data, Options(4), seed: 7);
            CollectionAssert.AreEqual(new[] { 3, 4 }, resumedEpochs);
            CollectionAssert.AreEqual(Weights(straight), Weights(resumed));
            Assert.AreEqual(4, Gru4RecCheckpoint.ReadEpoch(file));

            // Resuming a finished run trains nothing and gives the same model again.
            var none = new List<int>();
            using var again = Gru4RecTestData.TrainModel(data, Options(4, folder, resume: true), seed: 7, onEpoch: r => none.Add(r.Epoch));
            Assert.IsEmpty(none);
            CollectionAssert.AreEqual(Weights(straight), Weights(again));
        }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    public void ACheckpointOfOtherDataOrOtherParametersIsRefused()
    {
        var data = Gru4RecTestData.Subset(200);
        string folder = TempFolder();
        try
        {
            using (Gru4RecTestData.TrainModel(data, Options(2, folder), seed: 7)) { }
            var e = Assert.Throws<ArgumentException>(() => Gru4RecTestData.TrainModel(Gru4RecTestData.Subset(150), Options(3, folder, resume: true), seed: 7));
            StringAssert.Contains(e.Message, "was made with other training data");
            e = Assert.Throws<ArgumentException>(() => Gru4RecTestData.TrainModel(data, Options(3, folder, resume: true, ",learning_rate=0.05,layers=16"), seed: 7));
            StringAssert.Contains(e.Message, "other parameters (layers=24 there, 16 here; learning_rate=0.1 there, 0.05 here)");
            e = Assert.Throws<ArgumentException>(() => Gru4RecTestData.TrainModel(data, Options(1, folder, resume: true), seed: 7));
            StringAssert.Contains(e.Message, "after epoch 2, beyond n_epochs=1");
            Assert.Throws<ArgumentException>(() => new Gru4RecTrainer.Options { Resume = true }.Validate());
        }
        finally { Directory.Delete(folder, true); }
    }

    [TestMethod]
    public void TheHostSamplerResumesTheSameDrawsAcrossRefills()
    {
        long[] supports = [5, 1, 0, 9, 3, 7, 2, 4];
        using var a = new SampleCache(supports, 0.5, 3, new Random(5), CPU, cacheSize: 12); // 4 rows per refill
        a.EnableCheckpoints();
        for (int i = 0; i < 10; i++) a.Next().Dispose(); // into the third refill
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) a.WriteState(writer);
        stream.Position = 0;
        using var b = new SampleCache(supports, 0.5, 3, new Random(123), CPU, cacheSize: 12); // another seed: the state decides
        b.EnableCheckpoints();
        using (var reader = new BinaryReader(stream)) b.ReadState(reader);
        Assert.AreEqual(a.Refills, b.Refills);
        for (int i = 0; i < 20; i++)
        {
            using var x = a.Next();
            using var y = b.Next();
            CollectionAssert.AreEqual(x.data<long>().ToArray(), y.data<long>().ToArray(), $"row {i}");
        }
    }
}
