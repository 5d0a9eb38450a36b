using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Baselines;

/// <summary>Every baseline on four tiny training sessions, with scores computed by hand.</summary>
[TestClass]
public sealed class BaselineTests
{
    // Sessions by time: "12" = A B A C, "9" = B C, "10" = C A B, "11" = C C. Dense indices A 0, B 1, C 2.
    // Supports A 3, B 3, C 5. Numeric id order (the rules' creation order) is 9, 10, 11, 12; ordinal and time
    // order both put "12" (A B A C) first, so pruning ties tell the orders apart.
    private static SessionDataset Train()
    {
        var b = new SessionDatasetBuilder();
        void Add(string id, double t0, params string[] items) { for (int i = 0; i < items.Length; i++) b.Add(id, items[i], t0 + i); }
        Add("12", 0, "A", "B", "A", "C");
        Add("9", 10, "B", "C");
        Add("10", 20, "C", "A", "B");
        Add("11", 30, "C", "C");
        var train = b.Build();
        CollectionAssert.AreEqual(new[] { "A", "B", "C" }, train.Items.Ids.ToArray());
        return train;
    }

    private const int A = 0, B = 1, C = 2;

    /// <summary>Feeds <paramref name="session"/> into slot 1 of a 2-slot scorer (slot 0 idle) and returns the last row.</summary>
    private static float[] ScoresAfter(ISessionModel model, params int[] session)
    {
        int n = model.Items.Count;
        using var scorer = model.CreateScorer(2);
        scorer.ResetSlot(1);
        var scores = new float[2 * n];
        foreach (int item in session) scorer.Step([-1, item], scores);
        return scores[n..];
    }

    private static void AssertRow(double[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-6, $"{what}[{i}]");
    }

    [TestMethod]
    public void PopScoresTrainingSupport()
    {
        var model = PopularityModel.Train(Train());
        AssertRow([3, 3, 5], ScoresAfter(model, A), "pop after A");
        AssertRow([3, 3, 5], ScoresAfter(model, C, B), "pop after C B");
    }

    [TestMethod]
    public void SessionPopAddsSessionCountsToSquashedSupport()
    {
        var model = SessionPopularityModel.Train(Train());
        AssertRow([1 + 3 / 4.0, 3 / 4.0, 5 / 6.0], ScoresAfter(model, A), "after A");
        AssertRow([2 + 3 / 4.0, 1 + 3 / 4.0, 5 / 6.0], ScoresAfter(model, A, B, A), "after A B A");

        // A reset slot forgets its session; other slots keep theirs.
        using var scorer = model.CreateScorer(2);
        var scores = new float[6];
        scorer.Step([A, B], scores);
        scorer.ResetSlot(0);
        scorer.Step([C, B], scores);
        AssertRow([3 / 4.0, 3 / 4.0, 1 + 5 / 6.0], scores[..3], "slot 0 after reset and C");
        AssertRow([3 / 4.0, 2 + 3 / 4.0, 5 / 6.0], scores[3..], "slot 1 after B B");
    }

    [TestMethod]
    public void MarkovCountsConsecutiveTransitions()
    {
        // A->B 2 (12, 10), A->C 1; B->A 1 (12), B->C 1 (9); C->A 1 (10), C->C 1 (11).
        var model = MarkovModel.Train(Train());
        AssertRow([0, 2, 1], ScoresAfter(model, A), "after A");
        AssertRow([1, 0, 1], ScoresAfter(model, C, B), "after B");
        AssertRow([1, 0, 1], ScoresAfter(model, C), "after C");
        Assert.AreEqual(6, model.RuleCount);
    }

    [TestMethod]
    public void PruningKeepsTheStrongestAndOnTiesTheRuleCreatedFirstInSessionIdOrder()
    {
        var model = MarkovModel.Train(Train(), new MarkovOptions { Pruning = 1 });
        AssertRow([0, 2, 0], ScoresAfter(model, A), "A keeps its strongest rule");
        AssertRow([0, 0, 1], ScoresAfter(model, B), "B->C (session 9) was created before B->A (session 12)");
        AssertRow([1, 0, 0], ScoresAfter(model, C), "C->A (session 10) was created before C->C (session 11)");
    }

    [TestMethod]
    public void AssociationRulesCountAllPairsBothWays()
    {
        // A B A C: A-B, A-A, B-A, A-C, B-C, A-C; B C: B-C; C A B: C-A, C-B, A-B; C C: C-C. Each pair adds 1 both ways.
        var model = AssociationRulesModel.Train(Train());
        AssertRow([2, 3, 3], ScoresAfter(model, A), "after A");
        AssertRow([3, 0, 3], ScoresAfter(model, B), "after B");
        AssertRow([3, 3, 2], ScoresAfter(model, C), "after C");
    }

    [TestMethod]
    public void SequentialRulesWeightEarlierItemsByOneOverTheGap()
    {
        // A B A C: A->B 1, B->A 1, A->A 1/2, A->C 1 + 1/3, B->C 1/2; B C: B->C 1; C A B: C->A 1, A->B 1, C->B 1/2; C C: C->C 1.
        var model = SequentialRulesModel.Train(Train());
        AssertRow([0.5, 2, 4 / 3.0], ScoresAfter(model, A), "after A");
        AssertRow([1, 0, 1.5], ScoresAfter(model, B), "after B");
        AssertRow([1, 0.5, 1], ScoresAfter(model, C), "after C");

        // One step with equal weights is the Markov chain.
        var markov = MarkovModel.Train(Train());
        var sr1 = SequentialRulesModel.Train(Train(), new SequentialRulesOptions { Steps = 1, Weighting = SequentialRuleWeighting.Same });
        foreach (int item in new[] { A, B, C }) CollectionAssert.AreEqual(ScoresAfter(markov, item), ScoresAfter(sr1, item));
    }

    [TestMethod]
    public void ItemKnnNormalisesEventPairCooccurrence()
    {
        // Event pairs: A B A C gives AB 2, AC 2, BC 1; B C gives BC 1; C A B gives AB, AC, BC 1; C C none. So 3 each.
        var model = ItemKnnModel.Train(Train());
        double ab = 3 / Math.Sqrt(23 * 23), ac = 3 / Math.Sqrt(23 * 25); // supports + lambda 20: A 23, B 23, C 25
        AssertRow([0, ab, ac], ScoresAfter(model, A), "after A");
        AssertRow([ac, ac, 0], ScoresAfter(model, C), "after C");

        var asymmetric = ItemKnnModel.Train(Train(), new ItemKnnOptions { Lambda = 0, Alpha = 0 }); // s_ij = cooc / supp_j
        AssertRow([0, 1, 3 / 5.0], ScoresAfter(asymmetric, A), "lambda 0, alpha 0, after A");

        var one = ItemKnnModel.Train(Train(), new ItemKnnOptions { Neighbors = 1 });
        AssertRow([0, ab, 0], ScoresAfter(one, A), "one neighbour: B is more similar to A than C");
    }

    [TestMethod]
    public void EveryBaselineRoundTripsThroughTheRegistry()
    {
        var train = Train();
        ISavableSessionModel[] models =
        [
            PopularityModel.Train(train), SessionPopularityModel.Train(train), ItemKnnModel.Train(train, new ItemKnnOptions { Neighbors = 1 }),
            MarkovModel.Train(train), AssociationRulesModel.Train(train),
            SequentialRulesModel.Train(train, new SequentialRulesOptions { Steps = 2, Weighting = SequentialRuleWeighting.Quadratic }),
        ];
        CollectionAssert.AreEquivalent(new[] { "pop", "spop", "itemknn", "markov", "ar", "sr" }, models.Select(m => m.ModelKind).ToArray());
        foreach (var model in models)
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) SessionModelRegistry.Write(writer, model);
            byte[] bytes = stream.ToArray();
            var copy = SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes)));
            Assert.AreEqual(model.GetType(), copy.GetType());
            CollectionAssert.AreEqual(model.Items.Ids.ToArray(), copy.Items.Ids.ToArray());
            foreach (var session in new[] { new[] { A }, new[] { A, B, A }, new[] { C, C } })
                CollectionAssert.AreEqual(ScoresAfter(model, session), ScoresAfter(copy, session), $"{model.ModelKind} after {string.Join(",", session)}");
            Assert.ThrowsExactly<InvalidDataException>(() => SessionModelRegistry.Read(new BinaryReader(new MemoryStream(bytes[..^5]))), model.ModelKind);
        }
        var sr = (SequentialRulesModel)models[5];
        Assert.AreEqual(2, sr.Options.Steps);
    }

    [TestMethod]
    public void RejectsInvalidOptions()
    {
        var train = Train();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MarkovModel.Train(train, new MarkovOptions { Pruning = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequentialRulesModel.Train(train, new SequentialRulesOptions { Steps = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ItemKnnModel.Train(train, new ItemKnnOptions { Alpha = 1.5 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ItemKnnModel.Train(train, new ItemKnnOptions { Neighbors = 0 }));
    }

    [TestMethod]
    public void ItemsWithoutRulesScoreZero()
    {
        // Markov has no rule C -> B: after C the target B scores 0 (A and C score 1), rank 3, a miss at K = 2.
        var train = Train();
        var test = new SessionDatasetBuilder(train.Items);
        test.Add("t", "C", 0);
        test.Add("t", "B", 1);
        var m = RankingEvaluator.Evaluate(MarkovModel.Train(train), test.Build(), new RankingEvaluatorOptions { Cutoffs = [2] });
        Assert.AreEqual(0.0, m.RecallAt(2));
        Assert.AreEqual(1L, m.Predictions);
    }
}
