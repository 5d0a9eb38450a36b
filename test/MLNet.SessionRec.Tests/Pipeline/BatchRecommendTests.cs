using Microsoft.ML;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary><see cref="SessionRecommender.RecommendMany"/>: many sessions in one product.</summary>
[TestClass]
public sealed class BatchRecommendTests
{
    private static readonly Lazy<(MLContext Ml, SessionRecommendationTransformer Gru4Rec, SessionRecommendationTransformer Sknn)> Models = new(() =>
    {
        var ml = new MLContext(seed: 5);
        var train = PipelineTestData.Events(ml, "train_full");
        var options = new Gru4RecTrainer.Options { LayerSizes = [48], BatchSize = 32, NumberOfSamples = 256, NumberOfEpochs = 1 };
        return (ml, ml.SessionRecommendation().Trainers.Gru4Rec(options).Fit(train), ml.SessionRecommendation().Trainers.SessionKnn().Fit(train));
    });

    private static string Line(IReadOnlyList<RecommendedItem> list) => string.Join(" ", list.Select(r => $"{r.ItemId}:{r.Score:R}"));

    [TestMethod]
    public void Batched_lists_equal_each_sessions_own_list_for_gru4rec_and_a_baseline()
    {
        var (_, gru4rec, sknn) = Models.Value;
        // 300 sessions (more than one batch of 256), some empty (cold start), some with unknown items only.
        var prefixes = PipelineTestData.Prefixes("test", 300);
        prefixes.Add([]);
        prefixes.Insert(7, ["no-such-item"]);
        foreach (var model in new[] { gru4rec, sknn })
        {
            using var recommender = model.CreateRecommender();
            var sessions = prefixes.Select(p =>
            {
                var s = recommender.StartSession();
                foreach (var item in p) s.Add(item);
                return s;
            }).ToList();
            var single = sessions.Select(s => s.Recommend(20)).ToList();
            var batched = recommender.RecommendMany(sessions, 20);
            Assert.AreEqual(single.Count, batched.Length);
            for (int i = 0; i < single.Count; i++) AssertSameList(single[i], batched[i], $"{model.Model.Name} session {i}");
            Assert.AreEqual(Line(recommender.Recommend(Array.Empty<string>(), 20)), Line(batched[^1]), "an empty session gets the cold-start list");
            foreach (var s in sessions) s.Dispose();
        }
    }

    /// <summary>
    /// The same scores to 1e-5 at every rank and the same items, except that items whose scores are that close may
    /// swap places: a product of 256 rows sums in another order than a product of one row, so a score may differ in
    /// its last bits and a near tie may resolve the other way (ties that are exact in both stay in index order).
    /// </summary>
    internal static void AssertSameList(IReadOnlyList<RecommendedItem> expected, IReadOnlyList<RecommendedItem> actual, string what)
    {
        Assert.AreEqual(expected.Count, actual.Count, what);
        static bool Close(float a, float b) => Math.Abs(a - b) <= 1e-5f * Math.Max(1f, Math.Abs(a));
        for (int j = 0; j < expected.Count; j++) Assert.IsTrue(Close(expected[j].Score, actual[j].Score), $"{what} rank {j}: {expected[j]} / {actual[j]}");
        for (int g = 0; g < expected.Count;)
        {
            int end = g + 1;
            while (end < expected.Count && Close(expected[end - 1].Score, expected[end].Score)) end++;
            var want = expected.Skip(g).Take(end - g).Select(r => r.ItemId).Order().ToList();
            var got = actual.Skip(g).Take(end - g).Select(r => r.ItemId).Order().ToList();
            // The last group may be tied with the item just below the list, which can then take its place.
            if (end < expected.Count) CollectionAssert.AreEqual(want, got, $"{what} ranks {g}..{end - 1}: {Line(expected)} / {Line(actual)}");
            g = end;
        }
    }

    [TestMethod]
    public void A_session_of_another_recommender_or_a_disposed_one_is_refused()
    {
        var (_, gru4rec, _) = Models.Value;
        using var a = gru4rec.CreateRecommender();
        using var b = gru4rec.CreateRecommender();
        using var mine = a.StartSession();
        using var theirs = b.StartSession();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => a.RecommendMany([mine, theirs])).Message, "another recommender");
        var ended = a.StartSession();
        ended.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.RecommendMany([mine, ended]));
    }
}
