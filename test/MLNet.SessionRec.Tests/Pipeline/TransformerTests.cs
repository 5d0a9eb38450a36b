using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Tests.Pipeline;

[TestClass]
public sealed class TransformerTests
{
    public sealed class TextSession
    {
        public string[] ItemId { get; set; } = [];
    }

    public sealed class TextPrediction
    {
        public string[] PredictedItems { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    private static readonly CountingTestModel Model = CountingTestModel.WithItems(50);

    // Expected list by full sort of the reference scores (score desc, index asc).
    private static string[] Expected(IReadOnlyList<int> prefix, int k)
    {
        float[] scores = prefix.Count == 0 ? Enumerable.Range(0, 50).Select(i => (float)Model.Items.GetSupport(i)).ToArray() : Model.ScoresOf(prefix);
        return Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(k).Select(i => $"i{i}").ToArray();
    }

    private static List<int[]> RandomPrefixes(int rows, int seed)
    {
        var rand = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, rand.Next(0, 12)).Select(_ => rand.Next(50)).ToArray()).ToList();
    }

    [TestMethod]
    public void TransformScoresBatchesLikeTheReferenceAndThePredictionEngine()
    {
        var ml = new MLContext(seed: 1);
        var prefixes = RandomPrefixes(600, 7); // more rows than one batch (256)
        var data = ml.Data.LoadFromEnumerable(prefixes.Select(p => new TextSession { ItemId = p.Select(i => $"i{i}").ToArray() }));
        var transformer = new SessionRecommendationTransformer(ml, Model, "ItemId", topK: 5);

        var output = transformer.Transform(data);
        var rows = ml.Data.CreateEnumerable<TextPrediction>(output, reuseRowObject: false).ToList();
        Assert.HasCount(prefixes.Count, rows);
        using var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer);
        for (int r = 0; r < prefixes.Count; r++)
        {
            CollectionAssert.AreEqual(Expected(prefixes[r], 5), rows[r].PredictedItems, $"row {r}");
            Assert.HasCount(5, rows[r].Score);
            var single = engine.Predict(new TextSession { ItemId = prefixes[r].Select(i => $"i{i}").ToArray() });
            CollectionAssert.AreEqual(rows[r].PredictedItems, single.PredictedItems, $"row {r}: prediction engine");
            CollectionAssert.AreEqual(rows[r].Score, single.Score, $"row {r}: prediction engine scores");
        }
        Assert.AreEqual(0, transformer.IgnoredUnknownItems);
    }

    [TestMethod]
    public void TransformRunsWholeBatchesThroughOneScorerNotRowByRow()
    {
        var ml = new MLContext(seed: 1);
        var model = CountingTestModel.WithItems(50);
        var prefixes = RandomPrefixes(600, 11);
        var data = ml.Data.LoadFromEnumerable(prefixes.Select(p => new TextSession { ItemId = p.Select(i => $"i{i}").ToArray() }));
        var transformer = new SessionRecommendationTransformer(ml, model, "ItemId", topK: 5);
        var rows = ml.Data.CreateEnumerable<TextPrediction>(transformer.Transform(data), reuseRowObject: false).ToList();
        Assert.HasCount(prefixes.Count, rows);
        // One scorer of 256 slots per cursor; each batch of 256 rows costs one step per position of its longest prefix.
        CollectionAssert.AreEqual(new[] { 256 }, model.ScorerSlots.ToArray());
        int longest = prefixes.Max(p => p.Length);
        Assert.IsLessThanOrEqualTo((int)Math.Ceiling(prefixes.Count / 256.0) * longest, model.Steps);
    }

    [TestMethod]
    public void PerRequestPredictionEnginesLeaveTheModelAliveAndADisposedTransformerRefusesUseClearly()
    {
        var ml = new MLContext(seed: 1);
        var items = Model.Items;
        var session = new TextSession { ItemId = ["i3", "i4"] };
        var data = ml.Data.LoadFromEnumerable([session]);

        // ML.NET's PredictionEngine disposes the transformer it was created from; each engine holds its own reference
        // to the model, so the per-request pattern never releases the shared model.
        var owned = new DisposableTestModel(items);
        var transformer = new SessionRecommendationTransformer(ml, owned, "ItemId", topK: 3);
        var recommender = transformer.CreateRecommender();
        var live = recommender.StartSession();
        for (int request = 0; request < 3; request++)
        {
            using var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer);
            CollectionAssert.AreEqual(Expected([3, 4], 3), engine.Predict(session).PredictedItems);
        }
        Assert.AreEqual(0, owned.DisposeCount);
        CollectionAssert.AreEqual(Expected([3, 4], 3), ml.Data.CreateEnumerable<TextPrediction>(transformer.Transform(data), false).Single().PredictedItems);

        // The owner's Dispose releases the model once; afterwards every use says so clearly.
        var lastEngine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer);
        transformer.Dispose();
        Assert.AreEqual(0, owned.DisposeCount, "a live engine still holds the model");
        CollectionAssert.AreEqual(Expected([3, 4], 3), lastEngine.Predict(session).PredictedItems);
        lastEngine.Dispose();
        Assert.AreEqual(1, owned.DisposeCount);
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.Transform(data));
        StringAssert.Contains(e.Message, "disposed");
        Assert.ThrowsExactly<ObjectDisposedException>(() => ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer));
        Assert.ThrowsExactly<ObjectDisposedException>(() => recommender.StartSession());
        Assert.ThrowsExactly<ObjectDisposedException>(() => live.Add("i3"));
        transformer.Dispose();
        Assert.AreEqual(1, owned.DisposeCount, "disposed once");

        // A model without native memory (the baselines) ignores Dispose altogether.
        var plain = new SessionRecommendationTransformer(ml, Model, "ItemId", topK: 3);
        plain.Dispose();
        CollectionAssert.AreEqual(Expected([3, 4], 3), ml.Data.CreateEnumerable<TextPrediction>(plain.Transform(data), false).Single().PredictedItems);
    }

    [TestMethod]
    public void UnknownItemsLogOneLinePerPassAndPerPrediction()
    {
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        ml.Log += (_, e) => { if (e.Source.Contains(nameof(SessionRecommendationTransformer), StringComparison.Ordinal)) lock (lines) lines.Add(e.Message); };
        var transformer = new SessionRecommendationTransformer(ml, Model, "ItemId", topK: 3);
        // 600 rows: three batches of 256 in one pass, each batch with unknown items.
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 600).Select(i => new TextSession { ItemId = [$"i{i % 50}", "nope"] }));
        for (int pass = 0; pass < 3; pass++) _ = ml.Data.CreateEnumerable<TextPrediction>(transformer.Transform(data), false).ToList();
        // One line per pass, plus the channel's start line once in the transformer's life (it used to open a channel per pass).
        Assert.HasCount(4, lines, string.Join("\n", lines));
        using var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(transformer);
        for (int i = 0; i < 5; i++) engine.Predict(new TextSession { ItemId = ["i1", "unknown"] });
        Assert.HasCount(9, lines, string.Join("\n", lines));
        Assert.AreEqual(8, lines.Count(l => l.Contains("] Ignored ", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.AreEqual(3 * 600 + 5, transformer.IgnoredUnknownItems);
    }

    [TestMethod]
    public void UnknownItemsAreIgnoredAndCountedAndAnEmptySessionGetsTheColdStartAnswer()
    {
        var ml = new MLContext(seed: 1);
        var transformer = new SessionRecommendationTransformer(ml, Model, "ItemId", topK: 3);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new TextSession { ItemId = ["i3", "nope", "i4", "also-unknown"] },
            new TextSession { ItemId = [] },
            new TextSession { ItemId = ["unknown"] },
        });
        var rows = ml.Data.CreateEnumerable<TextPrediction>(transformer.Transform(data), false).ToList();
        CollectionAssert.AreEqual(Expected([3, 4], 3), rows[0].PredictedItems);
        // Popularity fallback: supports decrease with the index, so i0, i1, i2.
        CollectionAssert.AreEqual(new[] { "i0", "i1", "i2" }, rows[1].PredictedItems);
        CollectionAssert.AreEqual(rows[1].PredictedItems, rows[2].PredictedItems);
        Assert.AreEqual(3, transformer.IgnoredUnknownItems);
    }

    public sealed class Event
    {
        public string SessionId { get; set; } = "";
        public string ItemId { get; set; } = "";
    }

    public sealed class KeyPrediction
    {
        public string[] PredictedItems { get; set; } = [];
    }

    [TestMethod]
    public void KeyInputGivesKeysThatMapBackToTheSameIds()
    {
        var ml = new MLContext(seed: 1);
        // Keys in a different order than the model's vocabulary, with two ids the model does not know.
        var events = Enumerable.Range(0, 52).Reverse().Select(i => new Event { SessionId = "s", ItemId = i < 50 ? $"i{i}" : $"x{i}" });
        var toKey = ml.Transforms.Conversion.MapValueToKey("ItemId").Fit(ml.Data.LoadFromEnumerable(events));
        var prefixes = RandomPrefixes(40, 3);
        var sessions = ml.Data.LoadFromEnumerable(prefixes.Select(p => new TextSession { ItemId = p.Select(i => $"i{i}").Append("x51").ToArray() }));
        var keyed = toKey.Transform(sessions);
        Assert.IsInstanceOfType<KeyDataViewType>(((VectorDataViewType)keyed.Schema["ItemId"].Type).ItemType);

        var transformer = new SessionRecommendationTransformer(ml, Model, "ItemId", topK: 4);
        var predicted = transformer.Transform(keyed);
        var predictedType = (VectorDataViewType)predicted.Schema["PredictedItems"].Type;
        Assert.IsInstanceOfType<KeyDataViewType>(predictedType.ItemType);
        var back = ml.Transforms.Conversion.MapKeyToValue("PredictedItems").Fit(predicted).Transform(predicted);
        var rows = ml.Data.CreateEnumerable<KeyPrediction>(back, false).ToList();
        for (int r = 0; r < prefixes.Count; r++) CollectionAssert.AreEqual(Expected(prefixes[r], 4), rows[r].PredictedItems, $"row {r}");
        Assert.AreEqual(prefixes.Count, transformer.IgnoredUnknownItems);
    }

    public sealed class IntSession
    {
        [VectorType] public int[] ItemId { get; set; } = [];
    }

    public sealed class IntPrediction
    {
        public int[] PredictedItems { get; set; } = [];
    }

    [TestMethod]
    public void IntegerInputGivesIntegerItems()
    {
        var ml = new MLContext(seed: 1);
        var model = new CountingTestModel(MLNet.SessionRec.Data.ItemVocabulary.FromIds(Enumerable.Range(0, 50).Select(i => (i * 10).ToString())));
        var transformer = new SessionRecommendationTransformer(ml, model, "ItemId", topK: 3);
        var data = ml.Data.LoadFromEnumerable(new[] { new IntSession { ItemId = [70, 30, 30, 999] } });
        var row = ml.Data.CreateEnumerable<IntPrediction>(transformer.Transform(data), false).Single();
        var expected = model.ScoresOf([7, 3, 3]);
        var top = Enumerable.Range(0, 50).OrderByDescending(i => expected[i]).ThenBy(i => i).Take(3).Select(i => i * 10).ToArray();
        CollectionAssert.AreEqual(top, row.PredictedItems);
        Assert.AreEqual(1, transformer.IgnoredUnknownItems);
    }

    [TestMethod]
    public void OutputSchemaMatchesTheTransformedDataAndBadColumnsAreRefused()
    {
        var ml = new MLContext(seed: 1);
        var transformer = new SessionRecommendationTransformer(ml, Model, "ItemId");
        var data = ml.Data.LoadFromEnumerable(new[] { new TextSession { ItemId = ["i1"] } });
        var schema = transformer.GetOutputSchema(data.Schema);
        var real = transformer.Transform(data).Schema;
        Assert.HasCount(real.Count, schema);
        for (int c = 0; c < real.Count; c++)
        {
            Assert.AreEqual(real[c].Name, schema[c].Name);
            Assert.AreEqual(real[c].Type, schema[c].Type);
        }
        Assert.AreEqual(new VectorDataViewType(TextDataViewType.Instance), schema["PredictedItems"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single), schema["Score"].Type);

        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SessionRecommendationTransformer(ml, Model, "Items").GetOutputSchema(data.Schema));
        StringAssert.Contains(missing.Message, "'Items'");
        var floats = ml.Data.LoadFromEnumerable(new[] { new { ItemId = new float[] { 1 } } });
        var wrongType = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => transformer.Transform(floats));
        StringAssert.Contains(wrongType.Message, "integer or key");
    }
}
