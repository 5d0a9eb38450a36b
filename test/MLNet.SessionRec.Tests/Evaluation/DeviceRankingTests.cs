using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.Evaluation;

/// <summary>
/// Ranks and lists from the scorers (Advance, then Rank/TopK: on the model's device for GRU4Rec, in item chunks)
/// equal the previous release's (the whole slots × items matrix on the host, <see cref="ReferenceScoring"/>).
/// </summary>
[TestClass]
public sealed class DeviceRankingTests
{
    private static readonly TieHandling[] AllTies = [TieHandling.Conservative, TieHandling.Standard, TieHandling.Median];

    private static readonly string[] Gru4RecFixtures = ["gru4rec-ce", "gru4rec-bprmax", "gru4rec-embed"];

    private static SessionRecommender LoadFixture(string name) => SessionRecommender.Load(ModelFixtureTests.ZipPath(name));

    [TestMethod]
    public void EvaluationMetricsAreUnchangedOnRsc15ForGru4RecAndEveryBaseline()
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var models = new List<(ISessionModel Model, IDisposable? Owner)>();
        foreach (var name in Gru4RecFixtures) { var r = LoadFixture(name); models.Add((r.Model, r)); }
        foreach (var kind in BaselineKinds.All) models.Add((kind.Train(train, new SessionBaselineTrainer.Options()), null));
        try
        {
            foreach (var (model, _) in models)
            {
                var test = SessionFileReader.Read(TestData.Rsc15("test"), null, model.Items);
                foreach (var ties in AllTies)
                {
                    var options = new RankingEvaluatorOptions { Cutoffs = [1, 5, 20], Ties = ties, Slots = 100 };
                    var expected = ReferenceScoring.Evaluate(model, test, options);
                    var actual = RankingEvaluator.Evaluate(model, test, options);
                    ReferenceScoring.AssertSame(expected, actual, $"{model.Name} ({model.Items.Count} items), {ties}");
                }
            }
        }
        finally
        {
            foreach (var (_, owner) in models) owner?.Dispose();
        }
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void EvaluationMetricsAreUnchangedOnNowPlayingForGru4RecAndEveryBaseline()
    {
        var train = SessionFileReader.Read(TestData.NowPlaying("train_full"));
        var test = SessionFileReader.Read(TestData.NowPlaying("test"), null, train.Items);
        var ml = new Microsoft.ML.MLContext(seed: 3);
        // A briefly trained GRU4Rec over nowplaying's whole catalog (60k items): 1 epoch of a small network.
        using var gru = ml.SessionRecommendation().Trainers.Gru4Rec(new Gru4RecTrainer.Options
        {
            Loss = Gru4RecLoss.CrossEntropy, LayerSizes = [32], BatchSize = 256, NumberOfSamples = 512, NumberOfEpochs = 1,
            LearningRate = 0.05, Momentum = 0, ConstrainedEmbedding = true, EmbeddingSize = 0,
        }).Train(train);
        var models = new List<ISessionModel> { gru };
        models.AddRange(BaselineKinds.All.Select(k => k.Train(train, new SessionBaselineTrainer.Options())));
        foreach (var model in models)
        {
            foreach (var ties in model is Gru4RecModel ? [TieHandling.Conservative, TieHandling.Median] : new[] { TieHandling.Conservative })
            {
                var options = new RankingEvaluatorOptions { Cutoffs = [1, 5, 20], Ties = ties };
                var expected = ReferenceScoring.Evaluate(model, test, options);
                var actual = RankingEvaluator.Evaluate(model, test, options);
                ReferenceScoring.AssertSame(expected, actual, $"nowplaying {model.Name}, {ties}");
            }
        }
    }

    [TestMethod]
    public void AScorerOfTwoItemChunksGivesTheSameRanksAndListsAsTheUnchunkedOne()
    {
        using var recommender = LoadFixture("gru4rec-ce");
        var model = (Gru4RecModel)recommender.Model;
        var test = SessionFileReader.Read(TestData.Rsc15("test"), null, model.Items);
        const int slots = 16, k = 20;
        using var whole = model.CreateScorer(slots);
        using var chunked = model.CreateScorer(slots);
        chunked.ItemChunk = 2;
        Assert.IsGreaterThanOrEqualTo(whole.ItemCount, (int)whole.ScoreBudget / slots, "the reference is one chunk");
        var reference = new float[slots * model.Items.Count];
        var input = new int[slots];
        var target = new int[slots];
        var all = Enumerable.Range(0, slots).ToArray();
        int checkedRanks = 0;
        // 16 sessions side by side, step by step (idle slots -1 once a session ends).
        for (int start = 0; start + slots <= Math.Min(test.SessionCount, 48); start += slots)
        {
            for (int s = 0; s < slots; s++) { whole.ResetSlot(s); chunked.ResetSlot(s); }
            int longest = Enumerable.Range(start, slots).Max(test.GetSessionLength);
            using var referenceScorer = model.CreateScorer(slots);
            for (int t = 0; t + 1 < longest; t++)
            {
                for (int s = 0; s < slots; s++)
                {
                    var events = test.GetSession(start + s);
                    bool on = t + 1 < events.Length;
                    input[s] = on ? events[t] : -1;
                    target[s] = on ? events[t + 1] : -1;
                }
                whole.Advance(input);
                chunked.Advance(input);
                referenceScorer.Step(input, reference);
                foreach (var ties in AllTies)
                {
                    var a = new double[slots];
                    var b = new double[slots];
                    whole.Rank(target, ties, a);
                    chunked.Rank(target, ties, b);
                    for (int s = 0; s < slots; s++)
                    {
                        if (target[s] < 0) continue;
                        double expected = RankingEvaluator.Rank(reference.AsSpan(s * model.Items.Count, model.Items.Count), target[s], ties);
                        Assert.AreEqual(expected, a[s], $"session {start + s} step {t} {ties}: unchunked vs reference");
                        Assert.AreEqual(a[s], b[s], $"session {start + s} step {t} {ties}: 2-item chunks vs unchunked");
                        checkedRanks++;
                    }
                }
                var activeSlots = all.Where(s => input[s] >= 0).ToArray();
                var (i1, v1, c1) = (new int[activeSlots.Length * k], new float[activeSlots.Length * k], new int[activeSlots.Length]);
                var (i2, v2, c2) = (new int[activeSlots.Length * k], new float[activeSlots.Length * k], new int[activeSlots.Length]);
                whole.TopK(activeSlots, k, null, i1, v1, c1);
                chunked.TopK(activeSlots, k, null, i2, v2, c2);
                for (int r = 0; r < activeSlots.Length; r++)
                {
                    var row = reference.AsSpan(activeSlots[r] * model.Items.Count, model.Items.Count);
                    var ei = new int[k];
                    var ev = new float[k];
                    TopKSelection.Select(row, null, k, ei, ev);
                    CollectionAssert.AreEqual(ei, i1.AsSpan(r * k, k).ToArray(), $"slot {activeSlots[r]} step {t}: unchunked list vs reference");
                    CollectionAssert.AreEqual(ev, v1.AsSpan(r * k, k).ToArray(), $"slot {activeSlots[r]} step {t}: unchunked scores vs reference");
                    CollectionAssert.AreEqual(i1.AsSpan(r * k, k).ToArray(), i2.AsSpan(r * k, k).ToArray(), $"slot {activeSlots[r]} step {t}: chunked list");
                }
            }
        }
        Assert.IsGreaterThan(300, checkedRanks);
    }

    [TestMethod]
    public void DeviceTopKBreaksTiesByLowerIndexAndHonoursTheAllowedItems()
    {
        using var recommender = LoadFixture("gru4rec-ce");
        var model = (Gru4RecModel)recommender.Model;
        int n = model.Items.Count;
        using var scorer = model.CreateScorer(2);
        scorer.Advance([5, 7]);
        // The allowed set excludes the best items of both rows: the answers equal the host selection over the allowed.
        var reference = new float[2 * n];
        using (var twin = model.CreateScorer(2)) twin.Step([5, 7], reference);
        var allowed = Enumerable.Range(0, n).Select(i => i % 3 != 0).ToArray();
        foreach (int k in new[] { 1, 20, n })
        {
            var items = new int[2 * k];
            var scores = new float[2 * k];
            var counts = new int[2];
            scorer.TopK([0, 1], k, allowed, items, scores, counts);
            for (int r = 0; r < 2; r++)
            {
                var ei = new int[k];
                var ev = new float[k];
                int count = TopKSelection.Select(reference.AsSpan(r * n, n), allowed, k, ei, ev);
                Assert.AreEqual(count, counts[r], $"k={k} row {r}: count");
                CollectionAssert.AreEqual(ei[..count], items.AsSpan(r * k, count).ToArray(), $"k={k} row {r}: items");
            }
        }
    }
}
