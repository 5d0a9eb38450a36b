using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;

namespace MLNet.SessionRec.Tests.Pipeline;

[TestClass]
public sealed class StreamingTests
{
    private static readonly Lazy<(MLContext Ml, SessionRecommendationTransformer Model)> SessionPop = new(() =>
    {
        var ml = new MLContext(seed: 1);
        // S-POP is stateful (counts the session's items), so the streaming state really carries something.
        // Trained on train_full's events before 2014-04-06 (UTC), so that some test items are unknown to it.
        return (ml, ml.SessionRecommendation().Trainers.SessionPopularity().Fit(ml.Data.FilterRowsByColumn(PipelineTestData.Events(ml, "train_full"), "Time", upperBound: 1396742400)));
    });

    private static string Line(IReadOnlyList<RecommendedItem> list) =>
        PipelineTestData.Line(new PipelineTestData.Prediction { PredictedItems = list.Select(r => r.ItemId).ToArray(), Score = list.Select(r => r.Score).ToArray() });

    [TestMethod]
    public void StreamingGivesTheSameListsAsTransformOnEveryPrefix()
    {
        var (ml, model) = SessionPop.Value;
        var full = PipelineTestData.Prefixes("test", 60).Where(p => p.Length >= 3).ToList();
        var expected = PipelineTestData.Predict(ml, model, full).Select(PipelineTestData.Line).ToList();
        using var recommender = model.CreateRecommender();
        for (int i = 0; i < full.Count; i++)
        {
            // The streaming session sees the prefix one event at a time; compare after the last event...
            using var session = recommender.StartSession();
            foreach (var item in full[i]) session.Add(item);
            Assert.AreEqual(expected[i], Line(session.Recommend()), $"prefix {i}");
            // ...and the stateless call agrees too.
            Assert.AreEqual(expected[i], Line(recommender.Recommend(full[i])), $"prefix {i} (stateless)");
        }
        // Every intermediate state of one long session equals Transform of that prefix.
        var longest = full.MaxBy(p => p.Length)!;
        var prefixes = Enumerable.Range(0, longest.Length + 1).Select(n => longest[..n]).ToList();
        var each = PipelineTestData.Predict(ml, model, prefixes).Select(PipelineTestData.Line).ToList();
        using var live = recommender.StartSession();
        Assert.AreEqual(each[0], Line(live.Recommend()), "empty session: cold start");
        for (int n = 1; n <= longest.Length; n++)
        {
            live.Add(longest[n - 1]); // a test item unknown to the model is ignored by both paths
            Assert.AreEqual(each[n], Line(live.Recommend()), $"after {n} events");
        }
        int ignored = live.IgnoredItems;
        Assert.IsFalse(live.Add("no-such-item"));
        Assert.AreEqual(ignored + 1, live.IgnoredItems);
        Assert.AreEqual(each[^1], Line(live.Recommend()), "an unknown item changes nothing");
    }

    [TestMethod]
    public void ManyThreadsShareOneRecommenderSafely()
    {
        var (_, model) = SessionPop.Value;
        var prefixes = PipelineTestData.Prefixes("test", 200);
        using var recommender = model.CreateRecommender();
        var sequential = prefixes.Select(p => Line(recommender.Recommend(p))).ToList();
        var parallel = new ConcurrentDictionary<int, string>();
        Parallel.For(0, prefixes.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var session = recommender.StartSession();
            foreach (var item in prefixes[i]) session.Add(item);
            parallel[i] = Line(session.Recommend());
        });
        for (int i = 0; i < prefixes.Count; i++) Assert.AreEqual(sequential[i], parallel[i], $"prefix {i}");

        // One session read concurrently while another thread keeps adding: every answer is a consistent state.
        using var shared = recommender.StartSession();
        var allowed = Enumerable.Range(0, prefixes[^1].Length + 1).Select(n => Line(recommender.Recommend(prefixes[^1][..n]))).ToHashSet();
        var seen = new ConcurrentBag<string>();
        var reader = Task.Run(() => { for (int r = 0; r < 200; r++) seen.Add(Line(shared.Recommend())); });
        foreach (var item in prefixes[^1]) shared.Add(item);
        reader.Wait();
        foreach (var answer in seen) Assert.Contains(answer, allowed);
    }

    [TestMethod]
    public void DependencyInjectionServesALoadedModel()
    {
        var (ml, model) = SessionPop.Value;
        string path = Path.Combine(Path.GetTempPath(), $"sessionrec-di-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, null, path);
        try
        {
            var services = new ServiceCollection();
            services.AddSessionRecommender(path, topK: 5);
            using var provider = services.BuildServiceProvider();
            var first = provider.GetRequiredService<SessionRecommender>();
            Assert.AreSame(first, provider.GetRequiredService<SessionRecommender>(), "singleton");
            var prefix = PipelineTestData.Prefixes("test", 5)[3];
            var expected = model.CreateRecommender().Recommend(prefix, 5);
            var results = new ConcurrentBag<string>();
            Parallel.For(0, 16, _ => results.Add(Line(provider.GetRequiredService<SessionRecommender>().Recommend(prefix))));
            Assert.HasCount(5, expected);
            foreach (var r in results) Assert.AreEqual(Line(expected), r);

            var fromStream = new ServiceCollection().AddSessionRecommender(_ => File.OpenRead(path)).BuildServiceProvider();
            Assert.AreEqual(Line(model.CreateRecommender().Recommend(prefix)), Line(fromStream.GetRequiredService<SessionRecommender>().Recommend(prefix)));
            fromStream.Dispose();
        }
        finally { File.Delete(path); }
    }
}
