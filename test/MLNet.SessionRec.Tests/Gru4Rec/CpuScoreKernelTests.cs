using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// The fused CPU pass (<see cref="CpuScoreKernel"/>) against the product it replaces: every rank in every tie mode and
/// every list (items and score bits) must equal what the full score matrix gives (<see cref="ISessionScorer.Step"/>,
/// ranked and selected on the host), for any thread count.
/// </summary>
[TestClass]
public sealed class CpuScoreKernelTests
{
    private static readonly TieHandling[] AllTies = [TieHandling.Conservative, TieHandling.Standard, TieHandling.Median];

    // 3,001 items: not a multiple of any vector width (the tail items take the scalar path); exact ties between
    // items 900..909 (copies of item 17), a bias spread, and item 5 with weight 4 in unit 0 (a state of 3e38 there
    // overflows its score to +∞).
    private static Gru4RecModel TiedModel(int seed)
    {
        const int items = 3_001;
        var options = new Gru4RecTrainer.Options { LayerSizes = [37] };
        manual_seed(seed);
        var vocabulary = new ItemVocabulary();
        for (int i = 0; i < items; i++) vocabulary.GetOrAdd("i" + i);
        var net = new Gru4RecNetwork(options, items, CPU);
        using (no_grad())
        {
            net.By.copy_(randn(items) * 0.1f);
            for (int i = 900; i < 910; i++)
            {
                net.Wy[i].copy_(net.Wy[17]);
                net.By[i].copy_(net.By[17]);
            }
            net.Wy[5][0].fill_(4f);
        }
        return new Gru4RecModel(options, vocabulary, net);
    }

    private static void RequireKernel(Gru4RecModel model)
    {
        using var kernel = CpuScoreKernel.TryBuild(model.Network);
        if (kernel is null) Assert.Inconclusive("this CPU or libtorch has no fused scoring kernel (no hardware FMA, or another summation order)");
    }

    /// <summary>Runs sessions of random items through a kernel scorer and a product scorer side by side and compares.</summary>
    private static int CompareWithProduct(Gru4RecModel model, int slots, int threads, int steps, int seed)
    {
        int n = model.Items.Count;
        using var fused = model.CreateScorer(slots);
        fused.MaxDegreeOfParallelism = threads;
        using var product = model.CreateScorer(slots);
        var scores = new float[slots * n];
        var rand = new Random(seed);
        var allowed = Enumerable.Range(0, n).Select(i => i % 5 != 1).ToArray();
        int compared = 0;
        for (int step = 0; step < steps; step++)
        {
            // Item 17 and its copies often, so targets and lists meet the ties; one slot idle now and then.
            var input = Enumerable.Range(0, slots).Select(s => s == step % slots && step % 3 == 0 ? -1 : rand.Next(4) == 0 ? 17 : rand.Next(n)).ToArray();
            var target = input.Select(x => x < 0 ? -1 : rand.Next(3) == 0 ? 900 + rand.Next(10) : rand.Next(n)).ToArray();
            fused.Advance(input);
            product.Step(input, scores);
            var active = Enumerable.Range(0, slots).Where(s => input[s] >= 0).ToArray();
            foreach (var ties in AllTies)
            {
                var ranks = new double[slots];
                fused.Rank(target, ties, ranks);
                foreach (int s in active)
                    Assert.AreEqual(RankingEvaluator.Rank(scores.AsSpan(s * n, n), target[s], ties), ranks[s], $"step {step} slot {s} {ties}: rank");
            }
            foreach (int k in new[] { 1, 20, n })
            {
                foreach (var filter in new[] { null, allowed })
                {
                    var items = new int[active.Length * k];
                    var values = new float[active.Length * k];
                    var counts = new int[active.Length];
                    fused.TopK(active, k, filter, items, values, counts);
                    for (int r = 0; r < active.Length; r++)
                    {
                        var ei = new int[k];
                        var ev = new float[k];
                        int count = TopKSelection.Select(scores.AsSpan(active[r] * n, n), filter, k, ei, ev);
                        string what = $"step {step} slot {active[r]} k={k}{(filter is null ? "" : " allowed")}";
                        Assert.AreEqual(count, counts[r], $"{what}: count");
                        CollectionAssert.AreEqual(ei[..count], items.AsSpan(r * k, count).ToArray(), $"{what}: items");
                        CollectionAssert.AreEqual(ev[..count], values.AsSpan(r * k, count).ToArray(), $"{what}: score bits");
                    }
                }
            }
            // Both in one pass, as the evaluator asks: the same as the two calls.
            var both = new double[slots];
            var bi = new int[active.Length * 20];
            var bv = new float[active.Length * 20];
            var bc = new int[active.Length];
            fused.RankAndTopK(target, TieHandling.Median, both, 20, bi, bv, bc);
            for (int r = 0; r < active.Length; r++)
            {
                int s = active[r];
                Assert.AreEqual(RankingEvaluator.Rank(scores.AsSpan(s * n, n), target[s], TieHandling.Median), both[s], $"step {step} slot {s}: rank of RankAndTopK");
                var ei = new int[20];
                TopKSelection.Select(scores.AsSpan(s * n, n), null, 20, ei, new float[20]);
                CollectionAssert.AreEqual(ei, bi.AsSpan(r * 20, 20).ToArray(), $"step {step} slot {s}: list of RankAndTopK");
            }
            compared += active.Length;
        }
        return compared;
    }

    [TestMethod]
    public void Ranks_and_lists_equal_the_full_products_in_every_tie_mode_and_for_any_thread_count()
    {
        using var model = TiedModel(21);
        RequireKernel(model);
        // 7 slots: a six-row tile and a single row; 4: one four-row tile; 1, 2 and 3 threads over the item blocks.
        Assert.IsGreaterThan(70, CompareWithProduct(model, slots: 7, threads: 1, steps: 12, seed: 1));
        Assert.IsGreaterThan(40, CompareWithProduct(model, slots: 4, threads: 2, steps: 12, seed: 2));
        Assert.IsGreaterThan(100, CompareWithProduct(model, slots: 11, threads: 3, steps: 10, seed: 3));
    }

    [TestMethod]
    public void A_trained_models_ranks_and_lists_equal_the_full_products_on_rsc15()
    {
        using var recommender = SessionRecommender.Load(Persistence.ModelFixtureTests.ZipPath("gru4rec-bprmax"));
        var model = (Gru4RecModel)recommender.Model;
        RequireKernel(model);
        Assert.IsGreaterThan(200, CompareWithProduct(model, slots: 9, threads: -1, steps: 25, seed: 4));
    }

    [TestMethod]
    public void Rows_whose_scores_overflow_fall_back_to_the_product_and_NaN_targets_are_reported()
    {
        using var model = TiedModel(22);
        RequireKernel(model);
        int n = model.Items.Count, units = 37;
        using var fused = model.CreateScorer(4);
        using var plain = model.CreateScorer(4);
        plain.UseScoreKernel = false;
        fused.Advance([1, 2, 3, 4]);
        plain.Advance([1, 2, 3, 4]);
        // 3e38 in unit 0: item 5 scores +∞, which the kernel leaves to the product (the other scores stay finite).
        var huge = new float[units];
        huge[0] = 3e38f;
        fused.SetState(2, huge);
        plain.SetState(2, huge);
        var target = new[] { 6, 7, 5, 8 }; // slot 2 targets item 5
        foreach (var ties in AllTies)
        {
            var a = new double[4];
            var b = new double[4];
            fused.Rank(target, ties, a);
            plain.Rank(target, ties, b);
            CollectionAssert.AreEqual(b, a, $"{ties}: ranks with an overflowing row");
        }
        var standard = new double[4];
        fused.Rank(target, TieHandling.Standard, standard);
        Assert.AreEqual(1.0, standard[2], "the infinite target ranks first");
        var (ia, va, ca) = (new int[80], new float[80], new int[4]);
        var (ib, vb, cb) = (new int[80], new float[80], new int[4]);
        fused.TopK([0, 1, 2, 3], 20, null, ia, va, ca);
        plain.TopK([0, 1, 2, 3], 20, null, ib, vb, cb);
        CollectionAssert.AreEqual(ib, ia, "lists with an overflowing row");
        CollectionAssert.AreEqual(cb, ca, "list lengths with an overflowing row");
        Assert.AreEqual(5, ia[2 * 20], "the infinite item leads its row's list");

        // A NaN in the state makes every score of its row NaN: a NaN target is reported as before.
        var nan = new float[units];
        nan[3] = float.NaN;
        fused.SetState(1, nan);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => fused.Rank([6, 5, 7, 8], TieHandling.Conservative, new double[4]));
        StringAssert.Contains(error.Message, "as NaN");
        Assert.AreEqual(3_001, n);
    }
}
