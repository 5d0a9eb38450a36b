using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Evaluation;

[TestClass]
public sealed class RankingEvaluatorTests
{
    // Training supports: A 4, B 2, C 1, D 1, E 2 (max 4).
    private static SessionDataset Train()
    {
        var b = new SessionDatasetBuilder();
        Add(b, "t1", 0, "A", "B", "A");
        Add(b, "t2", 10, "A", "E", "C");
        Add(b, "t3", 20, "B", "E", "D", "A");
        return b.Build();
    }

    // S1 = A B C (2 predictions), S2 = D Z A with Z unknown -> D A (1 prediction), S3 = E (none).
    private static SessionDataset Test(ItemVocabulary items)
    {
        var b = new SessionDatasetBuilder(items);
        Add(b, "s1", 100, "A", "B", "C");
        Add(b, "s2", 200, "D", "Z", "A");
        Add(b, "s3", 300, "E");
        return b.Build();
    }

    private static void Add(SessionDatasetBuilder b, string session, double t0, params string[] items)
    {
        for (int i = 0; i < items.Length; i++) b.Add(session, items[i], t0 + i);
    }

    private static TableModel Model(ItemVocabulary items)
    {
        float[] Row(float a, float b, float c, float d, float e)
        {
            var row = new float[items.Count];
            foreach (var (id, v) in new[] { ("A", a), ("B", b), ("C", c), ("D", d), ("E", e) })
            {
                Assert.IsTrue(items.TryGetIndex(id, out int i));
                row[i] = v;
            }
            return row;
        }
        return new TableModel(items, new()
        {
            // after A, target B (0.9): 0 higher, 3 equal (B, C, E) -> conservative 3, standard 1, median 2
            ["A"] = Row(0.5f, 0.9f, 0.9f, 0.1f, 0.9f),
            // after B, target C (0.1): 3 higher (A, B, D), 2 equal (C, E) -> conservative 5, standard 4, median 4.5
            ["B"] = Row(0.3f, 0.2f, 0.1f, 0.4f, 0.1f),
            // after D, target A (0.7): the best -> rank 1 in every mode
            ["D"] = Row(0.7f, 0.1f, 0.2f, 0.3f, 0.6f),
        });
    }

    private static SessionRankingMetrics Evaluate(TieHandling ties, int slots = 512)
    {
        var train = Train();
        var test = Test(train.Items);
        return RankingEvaluator.Evaluate(Model(train.Items), test, new RankingEvaluatorOptions { Cutoffs = [4, 1, 3], Ties = ties, Slots = slots });
    }

    private static void AssertCutoff(SessionRankingMetrics m, int k, double recall, double mrr, double ndcg)
    {
        Assert.AreEqual(recall, m.RecallAt(k), 1e-12, $"Recall@{k}");
        Assert.AreEqual(mrr, m.MrrAt(k), 1e-12, $"MRR@{k}");
        Assert.AreEqual(ndcg, m.NdcgAt(k), 1e-12, $"NDCG@{k}");
    }

    [TestMethod]
    public void ConservativeTiesCountEveryTieAgainstTheModel()
    {
        var m = Evaluate(TieHandling.Conservative); // ranks 3, 5, 1
        Assert.AreEqual(3L, m.Predictions);
        Assert.AreEqual(2, m.Sessions);
        Assert.AreEqual(1L, m.DroppedUnknownItemEvents);
        Assert.AreEqual(TieHandling.Conservative, m.Ties);
        CollectionAssert.AreEqual(new[] { 1, 3, 4 }, m.Cutoffs.Select(c => c.Cutoff).ToArray());
        AssertCutoff(m, 1, 1 / 3.0, 1 / 3.0, 1 / 3.0);
        AssertCutoff(m, 3, 2 / 3.0, (1 / 3.0 + 1) / 3, (0.5 + 1) / 3);
        AssertCutoff(m, 4, 2 / 3.0, (1 / 3.0 + 1) / 3, (0.5 + 1) / 3);
    }

    [TestMethod]
    public void StandardTiesResolveTiesForTheTarget()
    {
        var m = Evaluate(TieHandling.Standard); // ranks 1, 4, 1
        AssertCutoff(m, 1, 2 / 3.0, 2 / 3.0, 2 / 3.0);
        AssertCutoff(m, 3, 2 / 3.0, 2 / 3.0, 2 / 3.0);
        AssertCutoff(m, 4, 1.0, (1 + 0.25 + 1) / 3, (1 + 1 / Math.Log2(5) + 1) / 3);
    }

    [TestMethod]
    public void MedianTiesAverageTheTwo()
    {
        var m = Evaluate(TieHandling.Median); // ranks 2, 4.5, 1
        AssertCutoff(m, 1, 1 / 3.0, 1 / 3.0, 1 / 3.0);
        AssertCutoff(m, 3, 2 / 3.0, (0.5 + 1) / 3, (1 / Math.Log2(3) + 1) / 3);
        AssertCutoff(m, 4, 2 / 3.0, (0.5 + 1) / 3, (1 / Math.Log2(3) + 1) / 3);
    }

    [TestMethod]
    public void CoverageAndPopularityComeFromTheTopLists()
    {
        var m = Evaluate(TieHandling.Conservative);
        // Top lists (ties: lower dense index first): after A: B,{E,C}; after B: D,A,B; after D: A,E,D.
        Assert.AreEqual(3 / 5.0, m.At(1).Coverage, 1e-12); // {B, D, A}
        Assert.AreEqual(5 / 5.0, m.At(3).Coverage, 1e-12);
        // support / max support: A 1, B .5, C .25, D .25, E .5
        Assert.AreEqual((0.5 + 0.25 + 1) / 3, m.At(1).Popularity, 1e-12);
        Assert.AreEqual(((0.5 + 0.5 + 0.25) / 3 + (0.25 + 1 + 0.5) / 3 + (1 + 0.5 + 0.25) / 3) / 3, m.At(3).Popularity, 1e-12);
        StringAssert.Contains(m.ToTable(), "conservative");
    }

    [TestMethod]
    public void SessionsStartFreshAndOnlyPredictionPointsAreFed()
    {
        var train = Train();
        var model = Model(train.Items);
        RankingEvaluator.Evaluate(model, Test(train.Items), new RankingEvaluatorOptions { Slots = 2 });
        // s1 in slot 0, s2 (D A) in slot 1; s2 ends after one step and s3 (one event) is skipped, so slot 1 idles.
        CollectionAssert.AreEqual(new[] { "reset 0", "reset 1", "step A,D", "step B,-" }, model.Log);

        model.Log.Clear();
        var m = RankingEvaluator.Evaluate(model, Test(train.Items), new RankingEvaluatorOptions { Slots = 1 });
        CollectionAssert.AreEqual(new[] { "reset 0", "step A", "step B", "reset 0", "step D" }, model.Log);
        Assert.AreEqual(1.0, m.RecallAt(20), 1e-12); // conservative ranks 3, 5, 1: all <= 20
        Assert.AreEqual((1 / 3.0 + 1 / 5.0 + 1) / 3, m.MrrAt(20), 1e-12);
    }

    [TestMethod]
    public void AConstantModelNeverHitsUnderConservativeTiesButAlwaysUnderStandard()
    {
        var train = Train();
        var zeros = new float[train.Items.Count];
        var model = new TableModel(train.Items, new() { ["A"] = zeros, ["B"] = zeros, ["D"] = zeros });
        var options = new RankingEvaluatorOptions { Cutoffs = [4] }; // 5 items: conservative rank 5, standard rank 1
        Assert.AreEqual(0.0, RankingEvaluator.Evaluate(model, Test(train.Items), options).RecallAt(4));
        options.Ties = TieHandling.Standard;
        Assert.AreEqual(1.0, RankingEvaluator.Evaluate(model, Test(train.Items), options).MrrAt(4));
        options.Ties = TieHandling.Median; // rank 3 for every prediction
        Assert.AreEqual(1 / 3.0, RankingEvaluator.Evaluate(model, Test(train.Items), options).MrrAt(4), 1e-12);
    }

    [TestMethod]
    public void RejectsATestSetWithAnotherVocabulary()
    {
        var train = Train();
        var other = new SessionDatasetBuilder();
        other.Add("x", "Q", 0);
        other.Add("x", "A", 1);
        Assert.ThrowsExactly<ArgumentException>(() => RankingEvaluator.Evaluate(Model(train.Items), other.Build(), null));
        Assert.ThrowsExactly<ArgumentException>(() => new RankingEvaluator(new RankingEvaluatorOptions { Cutoffs = [0] }));
        var single = new SessionDatasetBuilder(train.Items);
        single.Add("x", "A", 0);
        single.Add("y", "B", 0);
        Assert.ThrowsExactly<ArgumentException>(() => RankingEvaluator.Evaluate(Model(train.Items), single.Build(), null), "no prediction point");
    }

    [TestMethod]
    public void RanksByOnePassMatchCountsOnALongRow()
    {
        // A row longer than one SIMD vector with a tail: target value 3 appears 4 times, 10 values are higher.
        var row = new float[37];
        for (int i = 0; i < row.Length; i++) row[i] = i < 10 ? 5f : 1f;
        row[12] = row[20] = row[33] = row[36] = 3f;
        Assert.AreEqual(14.0, RankingEvaluator.Rank(row, 20, TieHandling.Conservative));
        Assert.AreEqual(11.0, RankingEvaluator.Rank(row, 20, TieHandling.Standard));
        Assert.AreEqual(12.5, RankingEvaluator.Rank(row, 20, TieHandling.Median));
    }

    [TestMethod]
    public void TopKSelectsTheBestInOrderWithLowerIndexFirstOnTies()
    {
        float[] row = [0.1f, 0.9f, 0.5f, 0.9f, float.NaN, 0.7f, 0.5f, 0.2f];
        var top = new int[5];
        var topScores = new float[5];
        Assert.AreEqual(5, TopKSelection.Select(row, null, 5, top, topScores));
        CollectionAssert.AreEqual(new[] { 1, 3, 5, 2, 6 }, top);
        CollectionAssert.AreEqual(new[] { 0.9f, 0.9f, 0.7f, 0.5f, 0.5f }, topScores);
        var all = new int[8];
        Assert.AreEqual(8, TopKSelection.Select(row, null, 8, all, new float[8]));
        CollectionAssert.AreEqual(new[] { 1, 3, 5, 2, 6, 7, 0, 4 }, all);
        var allowed = new[] { true, false, true, true, true, true, true, true };
        var some = new int[8];
        Assert.AreEqual(7, TopKSelection.Select(row, allowed, 8, some, new float[8]), "only allowed items are candidates");
        CollectionAssert.AreEqual(new[] { 3, 5, 2, 6, 7, 0, 4, 0 }, some);
    }
}
