using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class SampleCacheTests
{
    [TestMethod]
    public void DrawsFollowSupportToThePowerAlpha()
    {
        long[] supports = [1, 4, 9, 16, 0, 100];
        using var cache = new SampleCache(supports, alpha: 0.5, nSample: 50, new Random(7), CPU, cacheSize: 500);
        double[] p = [1 / 20.0, 2 / 20.0, 3 / 20.0, 4 / 20.0, 0, 10 / 20.0];
        const int draws = 100_000;
        var counts = new long[supports.Length];
        for (int i = 0; i < draws / 50; i++)
        {
            using var row = cache.Next(); // 10 rows per refill: refills 200 times
            Assert.AreEqual(50L, row.shape[0]);
            foreach (long item in row.data<long>().ToArray()) counts[item]++;
        }
        Assert.AreEqual(0, counts[4], "an item without support is never sampled");
        double chi2 = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] > 0) chi2 += Math.Pow(counts[i] - draws * p[i], 2) / (draws * p[i]);
        // 4 degrees of freedom: P(chi2 > 25) ≈ 5e-5.
        Assert.IsTrue(chi2 < 25, $"chi2 = {chi2:F2}, counts {string.Join(",", counts)}");
        CollectionAssert.AreEqual(p, SampleCache.Probabilities(supports, 0.5).Select(x => Math.Round(x, 12)).ToArray());
    }

    [TestMethod]
    public void AlphaZeroIsUniformOverTrainingItems()
    {
        long[] supports = [1, 1000, 3];
        using var cache = new SampleCache(supports, alpha: 0.0, nSample: 1, new Random(3), CPU, cacheSize: 10);
        var counts = new int[3];
        for (int i = 0; i < 30_000; i++) counts[cache.Draw()]++;
        foreach (int c in counts) Assert.AreEqual(10_000, c, 600);
    }
}
