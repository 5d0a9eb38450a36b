using Microsoft.ML;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Tests.Evaluation;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// Live sessions advance their state without scoring and list on demand; their state leaves the process as bytes and
/// comes back into the same model only; streaming, Transform and the previous release's lists agree on rsc15-100k.
/// </summary>
[TestClass]
public sealed class SessionStateTests
{
    private static string Line(IReadOnlyList<RecommendedItem> list) =>
        string.Join(' ', list.Select(r => r.ItemId)) + "\t" + string.Join(' ', list.Select(r => r.Score.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    private static List<string[]> Sessions(int count)
    {
        var test = SessionFileReader.Read(TestData.Rsc15("test"));
        return Enumerable.Range(0, test.SessionCount).Select(s => test.GetSession(s).ToArray().Select(test.Items.GetId).ToArray())
            .Where(s => s.Length >= 4).Take(count).ToList();
    }

    [TestMethod]
    public void StreamingListsEqualTransformListsEqualThePreviousListsOnRsc15()
    {
        var ml = new MLContext(seed: 0);
        var loaded = ml.Model.Load(ModelFixtureTests.ZipPath("gru4rec-ce"), out _);
        var transformer = loaded as SessionRecommendationTransformer ?? ((IEnumerable<ITransformer>)loaded).OfType<SessionRecommendationTransformer>().Single();
        try
        {
            using var recommender = transformer.CreateRecommender();
            var model = recommender.Model;
            var prefixes = Sessions(150).SelectMany(s => Enumerable.Range(1, s.Length - 1).Select(n => s[..n])).ToList();
            var transformed = PipelineTestData.Predict(ml, transformer, prefixes);
            Assert.HasCount(prefixes.Count, transformed);
            int rows = 0;
            for (int i = 0; i < prefixes.Count; i++)
            {
                var known = prefixes[i].Where(id => model.Items.TryGetIndex(id, out _)).Select(id => { model.Items.TryGetIndex(id, out int x); return x; }).ToList();
                if (known.Count == 0) continue;
                var (items, scores) = ReferenceScoring.StreamingList(model, known, transformer.TopK);
                var previous = Line(items.Select((x, j) => new RecommendedItem(model.Items.GetId(x), scores[j])).ToList());
                using var session = recommender.StartSession();
                foreach (var id in prefixes[i]) session.Add(id);
                string streamed = Line(session.Recommend());
                Assert.AreEqual(previous, streamed, $"prefix {i}: streaming vs previous release");
                // Transform scores a batch of prefixes; the product of a batch may round the last bit differently.
                CollectionAssert.AreEqual(items.Select(model.Items.GetId).ToArray(), transformed[i].PredictedItems, $"prefix {i}: Transform items");
                for (int j = 0; j < scores.Length; j++)
                    Assert.AreEqual(scores[j], transformed[i].Score[j], 1e-5f * Math.Max(1, Math.Abs(scores[j])), $"prefix {i}: Transform score {j}");
                rows++;
            }
            Assert.IsGreaterThan(300, rows);
        }
        finally
        {
            transformer.Dispose();
        }
    }

    public static IEnumerable<object[]> Models() =>
        new[] { "gru4rec-ce", "gru4rec-bprmax", "gru4rec-embed" }.Select(n => new object[] { n })
            .Concat(BaselineKinds.All.Select(k => new object[] { k.Name }));

    private static SessionRecommender Recommender(string name)
    {
        if (name.StartsWith("gru4rec", StringComparison.Ordinal)) return SessionRecommender.Load(ModelFixtureTests.ZipPath(name));
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        return new SessionRecommender(BaselineKinds.All.Single(k => k.Name == name).Train(train, new SessionBaselineTrainer.Options()));
    }

    [TestMethod]
    [DynamicData(nameof(Models))]
    public void AnExportedStateRestoresMidSessionWithIdenticalListsAfterwards(string name)
    {
        using var recommender = Recommender(name);
        foreach (var events in Sessions(20))
        {
            int half = events.Length / 2;
            using var original = recommender.StartSession();
            original.Add("no-such-item");
            foreach (var id in events[..half]) original.Add(id);
            byte[] state = original.ExportState();
            Assert.IsLessThan(4096, state.Length, "a state holds no catalog-sized data");
            using var restored = recommender.RestoreSession(state);
            Assert.AreEqual(original.Length, restored.Length);
            Assert.AreEqual(original.IgnoredItems, restored.IgnoredItems);
            Assert.AreEqual(Line(original.Recommend()), Line(restored.Recommend()), $"{name}: at the export");
            foreach (var id in events[half..])
            {
                Assert.AreEqual(original.Add(id), restored.Add(id));
                Assert.AreEqual(Line(original.Recommend(7)), Line(restored.Recommend(7)), $"{name}: after {id}");
            }
            CollectionAssert.AreEqual(original.ExportState(), restored.ExportState(), $"{name}: same state at the end");
        }
    }

    [TestMethod]
    public void AnotherModelsStateIsRefusedClearly()
    {
        using var ce = SessionRecommender.Load(ModelFixtureTests.ZipPath("gru4rec-ce"));
        using var ceAgain = SessionRecommender.Load(ModelFixtureTests.ZipPath("gru4rec-ce"));
        using var bprmax = SessionRecommender.Load(ModelFixtureTests.ZipPath("gru4rec-bprmax"));
        using var session = ce.StartSession();
        foreach (var id in Sessions(1)[0]) session.Add(id);
        byte[] state = session.ExportState();
        Assert.AreEqual(ce.ModelIdentity, ceAgain.ModelIdentity, "the same model file has the same identity in every process");
        using (var again = ceAgain.RestoreSession(state)) Assert.AreEqual(Line(session.Recommend()), Line(again.Recommend()));
        var e = Assert.ThrowsExactly<ArgumentException>(() => bprmax.RestoreSession(state));
        StringAssert.Contains(e.Message, "different model");
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        using var pop = new SessionRecommender(PopularityModel.Train(train));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => pop.RestoreSession(state)).Message, "different model");
        Assert.ThrowsExactly<InvalidDataException>(() => ce.RestoreSession(state.AsSpan(0, state.Length - 3)));
        Assert.ThrowsExactly<InvalidDataException>(() => ce.RestoreSession("not a state at all, not at all"u8));
        var newer = (byte[])state.Clone();
        newer[8] = 2; // format version
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => ce.RestoreSession(newer)).Message, "version");
    }
}
