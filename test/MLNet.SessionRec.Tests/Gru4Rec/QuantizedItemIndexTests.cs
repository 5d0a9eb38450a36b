using System.Runtime.InteropServices;
using MLNet.SessionRec.Gru4Rec;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

[TestClass]
public sealed class QuantizedItemIndexTests
{
    /// <summary>The full product's top-k: higher score first, equal scores by lower index.</summary>
    private static (int[] Items, float[] Scores) FullTopK(Gru4RecNetwork net, float[] h, int k)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var s = net.ScoreAll(tensor(h).unsqueeze(0)).cpu().contiguous();
        var scores = MemoryMarshal.Cast<byte, float>(s.bytes).ToArray();
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).ToArray();
        return (order, order.Select(i => scores[i]).ToArray());
    }

    [TestMethod]
    public void The_index_gives_the_exact_top_k_of_the_full_product_including_ties()
    {
        if (!QuantizedItemIndex.IsSupported) Assert.Inconclusive("this CPU has neither AVX-512BW nor AVX2");
        const int items = 12_000, units = 100;
        var options = new Gru4RecTrainer.Options { LayerSizes = [units] };
        manual_seed(11);
        using var net = new Gru4RecNetwork(options, items, CPU);
        using (no_grad())
        {
            // Exact ties: rows 5000..5009 repeat row 42, and a spread of biases.
            for (int i = 5000; i < 5010; i++) net.Wy[i].copy_(net.Wy[42]);
            net.By.copy_(randn(items) * 0.1f);
            net.By[5000..5010].copy_(net.By[42].expand(10));
        }
        var index = QuantizedItemIndex.TryBuild(net) ?? throw new AssertFailedException("no index for a CPU model of 12,000 items");
        var rand = new Random(3);
        int candidatesChecked = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var h = new float[units];
            for (int j = 0; j < units; j++) h[j] = (float)Math.Tanh(rand.NextDouble() * 4 - 2);
            if (trial % 10 == 0) { using var row = net.Wy[42]; h = MemoryMarshal.Cast<byte, float>(row.cpu().contiguous().bytes).ToArray(); } // the tied rows top the list
            if (trial == 1) Array.Clear(h); // every item scores its bias
            int k = trial % 3 == 0 ? 100 : 20;
            var items_ = new int[k];
            var scores = new float[k];
            int n = index.TopK(h, k, items_, scores);
            var (wantItems, wantScores) = FullTopK(net, h, k);
            Assert.AreEqual(k, n);
            CollectionAssert.AreEqual(wantItems, items_, $"trial {trial}");
            for (int r = 0; r < k; r++) Assert.AreEqual(wantScores[r], scores[r], 1e-5f * Math.Max(1, Math.Abs(wantScores[r])), $"trial {trial} rank {r}");
            candidatesChecked++;
        }
        Assert.AreEqual(200, candidatesChecked);
        Assert.AreEqual(-1, index.TopK(Enumerable.Repeat(float.NaN, units).ToArray(), 20, new int[20], new float[20]), "a NaN state falls back to the full product");
    }

    [TestMethod]
    public void A_large_models_scorer_lists_through_the_index_the_same_items_as_the_full_product()
    {
        if (!QuantizedItemIndex.IsSupported) Assert.Inconclusive("this CPU has neither AVX-512BW nor AVX2");
        const int items = 9_000;
        var options = new Gru4RecTrainer.Options { LayerSizes = [64] };
        manual_seed(5);
        var vocabulary = new MLNet.SessionRec.Data.ItemVocabulary();
        for (int i = 0; i < items; i++) vocabulary.GetOrAdd("i" + i);
        using var model = new Gru4RecModel(options, vocabulary, new Gru4RecNetwork(options, items, CPU));
        using var indexed = model.CreateScorer(3);
        using var full = model.CreateScorer(3);
        full.UseQuantizedIndex = false;
        var rand = new Random(8);
        for (int step = 0; step < 30; step++)
        {
            var next = new[] { rand.Next(items), rand.Next(items), step % 4 == 0 ? -1 : rand.Next(items) };
            indexed.Advance(next);
            full.Advance(next);
            int[] a = new int[60], b = new int[60];
            float[] sa = new float[60], sb = new float[60];
            int[] ca = new int[3], cb = new int[3];
            indexed.TopK([0, 1, 2], 20, null, a, sa, ca);
            full.TopK([0, 1, 2], 20, null, b, sb, cb);
            CollectionAssert.AreEqual(cb, ca);
            CollectionAssert.AreEqual(b, a, $"step {step}");
            for (int j = 0; j < 60; j++) Assert.AreEqual(sb[j], sa[j], 1e-5f * Math.Max(1, Math.Abs(sb[j])));
        }
    }

    [TestMethod]
    public void Small_catalogs_and_trained_scorers_keep_the_full_product()
    {
        var options = new Gru4RecTrainer.Options { LayerSizes = [16] };
        using var small = new Gru4RecNetwork(options, QuantizedItemIndex.MinimumItems - 1, CPU);
        Assert.IsNull(QuantizedItemIndex.TryBuild(small));
    }
}
