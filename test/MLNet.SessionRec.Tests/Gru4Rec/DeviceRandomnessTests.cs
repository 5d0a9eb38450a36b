using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// Randomness and sampling placed by device (TrainingRandomness, SampleCache, the loop's masks), checked on the CPU.
/// The META device (shapes only, no data) stands in for an accelerator: it is not the CPU, so every draw into it must
/// come from the device's own generator, as on CUDA.
/// </summary>
[TestClass]
public sealed class DeviceRandomnessTests
{
    [TestMethod]
    public void TheCpuKeepsOneCpuGeneratorAndHostSamplesOtherDevicesDrawOnTheDevice()
    {
        using (var cpu = TrainingRandomness.Create(7, CPU))
        {
            Assert.IsTrue(cpu.SamplesOnHost);
            Assert.AreSame(cpu.Initialisation, cpu.DeviceGenerator, "on the CPU dropout continues the initialisation's generator (as before)");
            using var cache = SampleCache.For([1, 2, 3], 0.5, 4, cpu, cacheSize: 8);
            Assert.IsFalse(cache.DrawsOnDevice);
        }
        Assert.IsFalse(TrainingRandomness.DrawsOnHost(new Device(DeviceType.CUDA, 0)));
        using (var meta = TrainingRandomness.Create(7, META))
        {
            Assert.IsFalse(meta.SamplesOnHost);
            Assert.IsNull(meta.DeviceGenerator, "off the CPU the device's own generator draws");
            using var cache = SampleCache.For([1, 2, 3], 0.5, 4, meta, cacheSize: 8);
            Assert.IsTrue(cache.DrawsOnDevice);
            Assert.ThrowsExactly<InvalidOperationException>(() => cache.Draw(), "a device cache makes no host draws");
        }
    }

    /// <summary>The weights of a network for another device are drawn on the CPU by the seeded generator, then moved.</summary>
    [TestMethod]
    public void ANetworkForAnotherDeviceIsInitialisedOnTheCpuWithTheSameDraws()
    {
        using var scope = NewDisposeScope();
        var options = Gru4RecTrainer.Options.Parse("layers=8,constrained_embedding=False,embedding=0,batch_size=2,n_sample=3");
        using var g1 = new Generator(5, CPU);
        using var g2 = new Generator(5, CPU);
        using var onCpu = new Gru4RecNetwork(options, 30, CPU, g1);
        using var onMeta = new Gru4RecNetwork(options, 30, META, g2);
        Assert.AreEqual(DeviceType.META, onMeta.Device.type);
        foreach (var (name, t) in onMeta.NamedTensors()) Assert.AreEqual(DeviceType.META, t.device_type, name);
        CollectionAssert.AreEqual(onCpu.NamedTensors().Select(t => t.Name).ToArray(), onMeta.NamedTensors().Select(t => t.Name).ToArray());
        // Both generators drew the same numbers: their next draws agree.
        Assert.IsTrue(Same(empty(16).uniform_(0, 1, g1), empty(16).uniform_(0, 1, g2)), "the META network did not draw its weights with the CPU generator");
    }

    [TestMethod]
    public void DropoutOffTheCpuUsesTheDevicesGeneratorAndRefusesACpuGenerator()
    {
        using var scope = NewDisposeScope();
        var onMeta = Gru4RecNetwork.Dropout(ones(4, 6, device: META), 0.3, null);
        Assert.AreEqual(DeviceType.META, onMeta.device_type);
        CollectionAssert.AreEqual(new long[] { 4, 6 }, onMeta.shape);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Gru4RecNetwork.Dropout(ones(4, 6, device: META), 0.3, new Generator(2, CPU)));
        StringAssert.Contains(e.Message, "dropout");
        // On the CPU the given generator draws: the same seed gives the same mask.
        var a = Gru4RecNetwork.Dropout(ones(50), 0.5, new Generator(9, CPU));
        var b = Gru4RecNetwork.Dropout(ones(50), 0.5, new Generator(9, CPU));
        Assert.IsTrue(Same(a, b));
    }

    /// <summary>The CPU's negatives are the alias draws of System.Random(seed) of release 1: a fixed sequence.</summary>
    [TestMethod]
    public void HostDrawsOfASeedAreFixed()
    {
        using var randomness = TrainingRandomness.Create(42, CPU);
        using var cache = SampleCache.For([5, 0, 1, 30, 2, 7, 1, 12], 0.5, 6, randomness, cacheSize: 12);
        var drawn = new List<long>();
        for (int i = 0; i < 4; i++) { using var row = cache.Next(); drawn.AddRange(row.data<long>().ToArray()); }
        Assert.AreEqual(2, cache.Refills);
        CollectionAssert.AreEqual(ExpectedHostDraws, drawn.ToArray());
    }

    private static readonly long[] ExpectedHostDraws = [5, 3, 3, 5, 3, 3, 4, 3, 4, 7, 3, 0, 7, 0, 3, 5, 3, 3, 6, 7, 5, 3, 0, 5];

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [TestMethod]
    public void DeviceDrawsFollowSupportToThePowerAlphaAndNeverPickItemsWithoutSupport()
    {
        long[] supports = [0, 1, 4, 9, 16, 0, 100, 0]; // zero support first, inside and last
        using var cache = new SampleCache(supports, alpha: 0.5, nSample: 500, new Generator(11, CPU), CPU, cacheSize: 5000);
        Assert.IsTrue(cache.DrawsOnDevice);
        double[] p = SampleCache.Probabilities(supports, 0.5);
        const int draws = 200_000;
        var counts = new long[supports.Length];
        for (int i = 0; i < draws / 500; i++)
        {
            using var row = cache.Next();
            Assert.AreEqual(500L, row.shape[0]);
            Assert.AreEqual(ScalarType.Int64, row.dtype);
            foreach (long item in row.data<long>().ToArray()) counts[item]++;
        }
        Assert.AreEqual(draws / 5000, cache.Refills);
        Assert.AreEqual(0, counts[0] + counts[5] + counts[7], $"items without support were sampled: {string.Join(",", counts)}");
        double chi2 = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > 0) chi2 += Math.Pow(counts[i] - draws * p[i], 2) / (draws * p[i]);
        Assert.IsTrue(chi2 < 25, $"chi2 = {chi2:F2} (4 degrees of freedom), counts {string.Join(",", counts)}");
    }

    [TestMethod]
    public void DeviceDrawsAreReproducibleForASeed()
    {
        long[] supports = [3, 1, 4, 1, 5, 9, 2, 6];
        long[] Rows(ulong seed)
        {
            using var g = new Generator(seed, CPU);
            using var cache = new SampleCache(supports, 0.75, 4, g, CPU, cacheSize: 8);
            var all = new List<long>();
            for (int i = 0; i < 5; i++) { using var row = cache.Next(); all.AddRange(row.data<long>().ToArray()); }
            return all.ToArray();
        }
        CollectionAssert.AreEqual(Rows(3), Rows(3));
        CollectionAssert.AreNotEqual(Rows(3), Rows(4));
    }

    /// <summary>Masks and logQ weights exist for the full batch size only; a shrunken tail batch gets views of them.</summary>
    [TestMethod]
    public void TailBatchMasksAreViewsOfTheFullBatchMask()
    {
        using var scope = NewDisposeScope();
        var data = Gru4RecTestData.Subset(50);
        var options = Gru4RecTrainer.Options.Parse("loss=bpr-max,layers=8,batch_size=5,n_sample=3");
        using var net = new Gru4RecNetwork(options, data.Items.Count, CPU);
        using var loop = new Gru4RecTrainingLoop(net, data, new Random(1));
        var full = loop.DiagonalMask(5)!;
        Assert.IsTrue(Same(full, eye(5, 8, dtype: ScalarType.Bool)));
        for (int b = 2; b < 5; b++) // (one row is contiguous even as a view)
        {
            var tail = loop.DiagonalMask(b)!;
            Assert.IsTrue(Same(tail, eye(b, b + 3, dtype: ScalarType.Bool)), $"b = {b}");
            Assert.IsFalse(tail.is_contiguous(), $"b = {b}: a new tensor instead of a view of the full-batch mask");
        }
        var (loss, _, _) = loop.Epoch(data, 1, null); // tail batches shrink through every size
        Assert.IsTrue(double.IsFinite(loss));
        using var ceNet = new Gru4RecNetwork(Gru4RecTrainer.Options.Parse("loss=cross-entropy,layers=8,batch_size=5,n_sample=3"), data.Items.Count, CPU);
        using var ce = new Gru4RecTrainingLoop(ceNet, data, new Random(1));
        Assert.IsNull(ce.DiagonalMask(2), "cross-entropy needs no mask");
    }
}
