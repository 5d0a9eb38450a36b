using Microsoft.ML;
using MLNet.SessionRec.Tests.App;
using MLNet.SessionRec.Tests.Pipeline;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// The memory estimate before GRU4Rec training: exact for the network (compared with a real network's tensors), and
/// a run that cannot fit is refused with one line giving the estimate and the available memory, before anything large
/// is allocated (these cases used to abort the runtime with "Out of memory" at 2-4 GB).
/// </summary>
[TestClass]
public sealed class Gru4RecMemoryEstimateTests
{
    [TestMethod]
    [DataRow("layers=24/16")]                                          // constrained embedding
    [DataRow("layers=24/16,constrained_embedding=False,embedding=12")] // separate embedding E
    [DataRow("layers=24/16,constrained_embedding=False,embedding=0")]  // one-hot input (Wx0, Wrz0, Wh0, Bh0)
    public void TheNetworkPartIsExactlyTheBytesOfTheNetworksWeights(string layers)
    {
        var options = Gru4RecTrainer.Options.Parse(Gru4RecTestData.SmallParams + "," + layers);
        int items = Gru4RecTestData.Train.Items.Count;
        using var net = new Gru4RecNetwork(options, items, CPU);
        long bytes = net.NamedTensors().Sum(t => t.Tensor.numel() * sizeof(float));
        var estimate = Gru4RecMemoryEstimate.For(options, items, validation: false);
        Assert.AreEqual(bytes, estimate.NetworkBytes);
        // Adagrad keeps one accumulator per weight, momentum one velocity more (SmallParams has momentum=0.1).
        Assert.IsGreaterThanOrEqualTo(2.0 * bytes, estimate.OptimizerBytes);
    }

    [TestMethod]
    public void TheSampleCacheAndStepGrowWithNSampleAndTheOfficialRsc15RunIsSmall()
    {
        var official = Gru4RecTrainer.Options.Parse("loss=cross-entropy,constrained_embedding=True,layers=100,batch_size=32,n_sample=2048,momentum=0.2");
        var small = Gru4RecMemoryEstimate.For(official, 2934, validation: true);
        // SampleCache: 10^7 / 2048 rows of 2048 int64 draws, twice (buffer + tensor).
        Assert.AreEqual(2.0 * 8 * (10_000_000 / 2048) * 2048 + 20 * 2934, small.SampleCacheBytes);
        Assert.IsLessThan(512.0 * 1024 * 1024, small.TotalBytes, small.ToString());
        small.Check(official, CPU, availableBytes: 1L << 30); // fits in 1 GiB: no refusal

        official.NumberOfSamples = 1_000_000_000;
        var huge = Gru4RecMemoryEstimate.For(official, 2934, validation: true);
        // One row of 10^9 samples (the cache is at least one mini-batch), and 32 × (32 + 10^9) scores per step.
        Assert.AreEqual(2.0 * 8 * 1_000_000_000 + 20 * 2934, huge.SampleCacheBytes);
        Assert.IsGreaterThan(4.0 * 4 * 32 * 1e9, huge.StepBytes);
    }

    [TestMethod]
    public void LayersOf20000AreRefusedWhereTheyCannotFitWithTheEstimateAndTheAvailableMemory()
    {
        var options = Gru4RecTrainer.Options.Parse("layers=20000,batch_size=32,n_sample=2048,momentum=0.2");
        var estimate = Gru4RecMemoryEstimate.For(options, 2934, validation: false);
        // One GRU layer of 20000 with input 20000 (constrained): 3·20000·40000 weights = 9.6 GB of float32, then
        // accumulator, velocity and gradient of each.
        Assert.IsGreaterThan(4.0 * 3 * 20000 * 40000 * 4, estimate.TotalBytes);
        var e = Assert.ThrowsExactly<InsufficientMemoryException>(() => estimate.Check(options, CPU, availableBytes: 16L << 30));
        StringAssert.Contains(e.Message, "needs about " + Gru4RecMemoryEstimate.Format(estimate.TotalBytes));
        StringAssert.Contains(e.Message, "but 16 GiB is available");
        StringAssert.Contains(e.Message, "layers (20000)");
        Assert.DoesNotContain("\n", e.Message);
    }

    [TestMethod]
    [DataRow("n_sample=1000000000")]
    [DataRow("layers=300000")] // far beyond any machine (about 4 TB), so refused wherever the test runs
    public void FitRefusesARunThatCannotFitBeforeAllocating(string parameter)
    {
        var ml = new MLContext(seed: 1);
        var events = PipelineTestData.Events(ml, "train_full");
        var options = Gru4RecTrainer.Options.Parse("loss=cross-entropy,layers=8,batch_size=32,n_sample=64,n_epochs=1," + parameter);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.ThrowsExactly<InsufficientMemoryException>(() => ml.SessionRecommendation().Trainers.Gru4Rec(options).Fit(events));
        StringAssert.Contains(e.Message, "GRU4Rec training needs about ");
        StringAssert.Contains(e.Message, "is available");
        Assert.DoesNotContain("\n", e.Message);
        // Refused before the network or the sample cache exist: only the data were read (a few MB of managed memory).
        Assert.IsLessThan(256L << 20, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    [TestMethod]
    public void TheAppRefusesAHugeNSampleWithOneLineAndExitCode1()
    {
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("model.zip");
        var r = AppRunner.Run("train", "--train", TestData.Rsc15("train_full"), "--output", zip, "--n-epochs", "1", "--layers", "8",
            "--n-sample", "1000000000", "--quiet");
        r.AssertOneLineError("GRU4Rec training needs about ");
        Assert.AreEqual(1, r.ExitCode);
        Assert.Contains("n_sample (1000000000)", r.Err);
        Assert.IsFalse(File.Exists(zip), "no model written");
    }
}
