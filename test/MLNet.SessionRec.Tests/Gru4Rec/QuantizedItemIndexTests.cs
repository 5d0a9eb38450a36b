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
        const int items = 12_003, units = 100; // a partial last block of 16
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
        var index = QuantizedItemIndex.TryBuild(net) ?? throw new AssertFailedException("no index for a CPU model of 12,003 items");
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

    // 12,003 items (a partial last block of 16): rows 5000..5009 and the last item copy row 42 and its bias (exact
    // ties, one of them in the partial block), a bias spread.
    private static Gru4RecNetwork TiedNetwork(int units)
    {
        const int items = 12_003;
        var options = new Gru4RecTrainer.Options { LayerSizes = [units] };
        manual_seed(17);
        var net = new Gru4RecNetwork(options, items, CPU);
        using (no_grad())
        {
            net.By.copy_(randn(items) * 0.1f);
            foreach (int i in Enumerable.Range(5000, 10).Append(items - 1))
            {
                net.Wy[i].copy_(net.Wy[42]);
                net.By[i].copy_(net.By[42]);
            }
        }
        return net;
    }

    [TestMethod]
    public void Many_states_at_once_give_the_kernels_lists_and_its_ranks_within_k()
    {
        if (!QuantizedItemIndex.SupportsRows) Assert.Inconclusive("this CPU has no 512-bit integer SIMD: evaluation keeps the fused float pass");
        const int units = 100, rows = 37; // 37 rows: four groups of 8 and a partial one
        using var net = TiedNetwork(units);
        int items = net.ItemCount;
        using var kernel = CpuScoreKernel.TryBuild(net);
        if (kernel is null) Assert.Inconclusive("this CPU or libtorch has no fused scoring kernel");
        var index = QuantizedItemIndex.TryBuild(net) ?? throw new AssertFailedException("no index for a CPU model of 12,003 items");

        var rand = new Random(21);
        var states = new float[rows * units];
        float[] tied;
        using (var row = net.Wy[42]) tied = MemoryMarshal.Cast<byte, float>(row.cpu().contiguous().bytes).ToArray();
        for (int r = 0; r < rows; r++)
        {
            var h = states.AsSpan(r * units, units);
            if (r % 9 == 0) tied.CopyTo(h);          // the 12 tied items top the list (they straddle k = 5)
            else if (r == 5) h.Clear();             // every item scores its bias
            else for (int j = 0; j < units; j++) h[j] = (float)Math.Tanh(rand.NextDouble() * 4 - 2) * (r % 4 == 3 ? 6 : 1);
        }
        // The kernel's full ranking of each row, to pick targets at every position that matters.
        var fullItems = new int[rows * items];
        var fullScores = new float[rows * items];
        var fullCounts = new int[rows];
        var finite = new bool[rows];
        kernel.Run(states, rows, [], [], [], items, null, fullItems, fullScores, fullCounts, finite, 1);

        // The kernel's sums four items at a time are its sums one at a time.
        var some = Enumerable.Range(0, 23).Select(_ => rand.Next(items)).Append(items - 1).ToArray();
        var four = new float[some.Length];
        kernel.Score(states.AsSpan(units, units), some, four);
        CollectionAssert.AreEqual(some.Select(i => kernel.Score(states.AsSpan(units, units), i)).ToArray(), four);

        foreach (int k in new[] { 20, 5 })
        {
            var targets = new int[rows];
            for (int r = 0; r < rows; r++)
            {
                // first, k-th, (k+1)-th (just outside), deep in the catalog, random; a tied item on the tied rows
                int position = (r % 6) switch { 0 => 0, 1 => k - 1, 2 => k, 3 => 5_000, 4 => 11_000, _ => rand.Next(items) };
                targets[r] = r % 9 == 0 ? (r % 2 == 0 ? 5004 : items - 1) : fullItems[r * items + position];
            }
            var wantGreater = new long[rows];
            var wantEqual = new long[rows];
            var wantItems = new int[rows * k];
            var wantScores = new float[rows * k];
            var wantCounts = new int[rows];
            kernel.Run(states, rows, targets, wantGreater, wantEqual, k, null, wantItems, wantScores, wantCounts, finite, 1);
            Assert.IsTrue(finite.All(f => f));

            int beyond = 0, within = 0;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var greater = new long[rows];
                var equal = new long[rows];
                var topItems = new int[rows * k];
                var topScores = new float[rows * k];
                var topCounts = new int[rows];
                var candidates = new int[rows];
                Assert.IsTrue(index.RankAndTopK(states, rows, targets, kernel, k, greater, equal, topItems, topScores, topCounts, threads, candidates));
                CollectionAssert.AreEqual(wantCounts, topCounts, $"k {k}, {threads} threads");
                CollectionAssert.AreEqual(wantItems, topItems, $"k {k}, {threads} threads");
                CollectionAssert.AreEqual(wantScores.Select(BitConverter.SingleToInt32Bits).ToArray(), topScores.Select(BitConverter.SingleToInt32Bits).ToArray(), "the same score bits");
                for (int r = 0; r < rows; r++)
                {
                    if (greater[r] < 0)
                    {
                        Assert.IsTrue(wantGreater[r] >= k, $"row {r}: reported beyond the best {k}, but {wantGreater[r]} items score above its target");
                        beyond++;
                    }
                    else
                    {
                        Assert.AreEqual(wantGreater[r], greater[r], $"row {r} (k {k}, {threads} threads): items above the target");
                        Assert.AreEqual(wantEqual[r], equal[r], $"row {r} (k {k}, {threads} threads): items equal to the target");
                        within++;
                    }
                }
                // The screening is what makes this fast: only a small share of the catalog is scored exactly.
                Assert.IsTrue(candidates.Average() < 0.05 * items, $"k {k}: {candidates.Average():F0} items per row scored exactly");
                Assert.IsTrue(candidates.All(c => c >= k));
            }
            Assert.IsTrue(within >= rows && beyond > 0, $"k {k}: targets at both sides of k ({within} within, {beyond} beyond)");
        }

        // A state that is not finite, or so large that scores could overflow: the caller falls back to the full pass.
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, 1e35f })
        {
            var broken = (float[])states.Clone();
            broken[3 * units + 7] = bad;
            Assert.IsFalse(index.RankAndTopK(broken, rows, new int[rows], kernel, 20, new long[rows], new long[rows], new int[rows * 20], new float[rows * 20], new int[rows], 1), $"state value {bad}");
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => index.RankAndTopK(states, rows, new int[rows], kernel, items + 1, new long[rows], new long[rows], new int[rows * (items + 1)], new float[rows * (items + 1)], new int[rows], 1));
    }

    [TestMethod]
    public void Evaluation_through_the_index_gives_the_metrics_of_the_full_pass()
    {
        if (!QuantizedItemIndex.SupportsRows) Assert.Inconclusive("this CPU has no 512-bit integer SIMD: evaluation keeps the fused float pass");
        using var net = TiedNetwork(48);
        using (no_grad())
        {
            // Items 100..129 and the tied 5000..5009 near the top of every list, so targets meet the cut-offs and ties.
            net.By[100..130].add_(2f);
            net.By[5000..5010].fill_(2.05f);
        }
        var vocabulary = new MLNet.SessionRec.Data.ItemVocabulary();
        for (int i = 0; i < net.ItemCount; i++) vocabulary.GetOrAdd("i" + i);
        var options = new Gru4RecTrainer.Options { LayerSizes = [48] };
        using var model = new Gru4RecModel(options, vocabulary, net);
        using (var kernel = CpuScoreKernel.TryBuild(net)) if (kernel is null) Assert.Inconclusive("this CPU or libtorch has no fused scoring kernel");
        // Sessions that revisit item 42's copies (ties among targets), the boosted items and random items.
        var rand = new Random(4);
        var builder = new MLNet.SessionRec.Data.SessionDatasetBuilder(vocabulary);
        double time = 0;
        for (int s = 0; s < 300; s++)
            for (int e = 0, length = 2 + rand.Next(6); e < length; e++)
                builder.Add("s" + s, "i" + (rand.Next(3) switch { 0 => 5000 + rand.Next(10), 1 => 100 + rand.Next(30), _ => rand.Next(net.ItemCount) }), time++);
        var test = builder.Build();
        foreach (var ties in new[] { TieHandling.Conservative, TieHandling.Standard, TieHandling.Median })
        {
            var evaluation = new RankingEvaluatorOptions { Cutoffs = [1, 5, 20], Ties = ties, Slots = 64 };
            var indexedModel = new Recorded(model, useIndex: true);
            var fullModel = new Recorded(model, useIndex: false);
            var indexed = RankingEvaluator.Evaluate(indexedModel, test, evaluation);
            var full = RankingEvaluator.Evaluate(fullModel, test, evaluation);
            Assert.IsTrue(indexedModel.Scorers.Sum(x => x.IndexPasses) > 0, "the evaluation went through the index");
            Assert.AreEqual(0, fullModel.Scorers.Sum(x => x.IndexPasses));
            Assert.AreEqual(full.Predictions, indexed.Predictions);
            CollectionAssert.AreEqual(full.Cutoffs.ToList(), indexed.Cutoffs.ToList(), $"{ties}: every metric at every cut-off");
            Assert.IsTrue(full.RecallAt(20) > 0.2 && full.RecallAt(20) < 0.9, $"targets at both sides of the cut-off (Recall@20 {full.RecallAt(20)})");
        }
    }

    [TestMethod]
    public void A_scorer_falls_back_to_the_fused_pass_when_a_state_is_too_large_to_screen()
    {
        if (!QuantizedItemIndex.SupportsRows) Assert.Inconclusive("this CPU has no 512-bit integer SIMD: evaluation keeps the fused float pass");
        using var net = TiedNetwork(32);
        var vocabulary = new MLNet.SessionRec.Data.ItemVocabulary();
        for (int i = 0; i < net.ItemCount; i++) vocabulary.GetOrAdd("i" + i);
        var options = new Gru4RecTrainer.Options { LayerSizes = [32] };
        using var model = new Gru4RecModel(options, vocabulary, net);
        using (var kernel = CpuScoreKernel.TryBuild(net)) if (kernel is null) Assert.Inconclusive("this CPU or libtorch has no fused scoring kernel");
        const int slots = 8, k = 20;
        using var indexed = model.CreateScorer(slots);
        using var full = model.CreateScorer(slots);
        full.UseQuantizedIndex = false;
        var rand = new Random(2);
        var state = new float[32];
        for (int s = 0; s < slots; s++)
        {
            for (int j = 0; j < 32; j++) state[j] = s == 3 ? 3e30f * (j % 3 - 1) : (float)(rand.NextDouble() * 2 - 1);
            indexed.SetState(s, state);
            full.SetState(s, state);
        }
        var targets = Enumerable.Range(0, slots).Select(s => s * 1000).ToArray();
        double[] ri = new double[slots], rf = new double[slots];
        int[] ii = new int[slots * k], @if = new int[slots * k], ci = new int[slots], cf = new int[slots];
        float[] si = new float[slots * k], sf = new float[slots * k];
        indexed.RankAndTopK(targets, TieHandling.Conservative, ri, k, ii, si, ci, ranksWithinK: true);
        full.RankAndTopK(targets, TieHandling.Conservative, rf, k, @if, sf, cf, ranksWithinK: true);
        Assert.AreEqual(0, indexed.IndexPasses, "slot 3's state (3e30) is refused by the screening, so the call goes to the fused pass");
        Assert.IsTrue(rf.All(double.IsFinite));
        CollectionAssert.AreEqual(rf, ri, "exact ranks, none reported as beyond k");
        CollectionAssert.AreEqual(@if, ii);
        CollectionAssert.AreEqual(cf, ci);

        // With an ordinary state in slot 3 the same call goes through the index.
        indexed.SetState(3, new float[32]);
        indexed.RankAndTopK(targets, TieHandling.Conservative, ri, k, ii, si, ci, ranksWithinK: true);
        Assert.AreEqual(1, indexed.IndexPasses);
    }

    // The same model with its scorers on or off the index, each scorer kept to be asked afterwards.
    private sealed class Recorded(Gru4RecModel model, bool useIndex) : ISessionModel
    {
        public List<Gru4RecScorer> Scorers { get; } = [];
        public string Name => model.Name;
        public MLNet.SessionRec.Data.ItemVocabulary Items => model.Items;
        public ISessionScorer CreateScorer(int slots)
        {
            var scorer = model.CreateScorer(slots);
            scorer.UseQuantizedIndex = useIndex;
            Scorers.Add(scorer);
            return scorer;
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
