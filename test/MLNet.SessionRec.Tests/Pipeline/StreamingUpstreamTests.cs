using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// The streaming recommender over a whole model applies the transforms before the session recommender to every raw
/// item id (issue 11, item 6): a model whose pipeline normalises the ids (raw "SKU-214716935", trained on
/// "sku-214716935") streams the same lists as its <c>Transform</c> of the raw rows.
/// </summary>
[TestClass]
public sealed class StreamingUpstreamTests
{
    private sealed class Event
    {
        public string SessionId { get; set; } = "";
        public string ItemId { get; set; } = "";
        public string ProductId { get; set; } = "";
        public double Time { get; set; }
    }

    private sealed class ProductEvent
    {
        public string SessionId { get; set; } = "";
        public string ProductId { get; set; } = "";
        public double Time { get; set; }
    }

    private sealed class ItemSession
    {
        public string[] ItemId { get; set; } = [];
    }

    private sealed class ProductSession
    {
        public string[] ProductId { get; set; } = [];
    }

    private static string Raw(string id) => "SKU-" + id;

    /// <summary>rsc15 events whose raw item ids ("SKU-…", upper case) only the pipeline's normalisation makes into the model's ids.</summary>
    private static List<Event> Events(string part, int rows) =>
        File.ReadLines(TestData.Rsc15(part)).Skip(1).Take(rows).Select(line =>
        {
            var f = line.Split('\t');
            return new Event { SessionId = f[0], ItemId = Raw(f[1]), ProductId = Raw(f[1]), Time = double.Parse(f[2], CultureInfo.InvariantCulture) };
        }).ToList();

    private static List<string[]> RawPrefixes() =>
        PipelineTestData.Prefixes("test", 40).Where(p => p.Length <= 4).Select(p => p.Select(Raw).ToArray()).ToList();

    private static SessionBaselineTrainer.Options Sr() => new() { Baseline = SessionBaseline.SequentialRules };

    private static string Line(IReadOnlyList<RecommendedItem> list) =>
        PipelineTestData.Line(new PipelineTestData.Prediction { PredictedItems = list.Select(r => r.ItemId).ToArray(), Score = list.Select(r => r.Score).ToArray() });

    private static List<string> Expected<TRow>(MLContext ml, ITransformer model, IEnumerable<TRow> rows) where TRow : class =>
        ml.Data.CreateEnumerable<PipelineTestData.Prediction>(model.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false)
            .Select(PipelineTestData.Line).ToList();

    private static void AssertStreams(SessionRecommender recommender, List<string[]> prefixes, List<string> expected, string what)
    {
        int known = 0;
        for (int i = 0; i < prefixes.Count; i++)
        {
            using var session = recommender.StartSession();
            foreach (var id in prefixes[i]) known += session.Add(id) ? 1 : 0; // test items unknown to the model are ignored by both paths
            AssertSameList(expected[i], Line(session.Recommend()), $"{what}: prefix {i}");
        }
        Assert.IsGreaterThan(prefixes.Count / 2, known, $"{what}: the raw ids are known through the pipeline");
    }

    /// <summary>The same items in the same order and the same scores (GRU4Rec's stepwise state may differ from the batch in the last float bit).</summary>
    private static void AssertSameList(string expected, string actual, string what)
    {
        var (e, a) = (expected.Split('\t'), actual.Split('\t'));
        Assert.AreEqual(e[0], a[0], what);
        var (es, @as) = (e[1].Split(' '), a[1].Split(' '));
        Assert.HasCount(es.Length, @as, what);
        for (int i = 0; i < es.Length; i++)
            Assert.AreEqual(float.Parse(es[i], CultureInfo.InvariantCulture), float.Parse(@as[i], CultureInfo.InvariantCulture), 1e-5f, what);
    }

    private static void AssertSameLists(List<string> expected, IList<string> actual, string what)
    {
        Assert.HasCount(expected.Count, actual, what);
        for (int i = 0; i < expected.Count; i++) AssertSameList(expected[i], actual[i], $"{what}: prefix {i}");
    }

    private static string Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        string zip = Path.Combine(Path.GetTempPath(), $"streaming-upstream-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, schema, zip);
        return zip;
    }

    [TestMethod]
    [DataRow("sr")]
    [DataRow("gru4rec")]
    public void LoadedChainStreamsTheRawIdsThroughTheUpstreamTransforms(string kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Events("train_full", 20000));
        IEstimator<ITransformer> trainer = kind == "sr" ? ml.SessionRecommendation().Trainers.Baseline(Sr())
            : ml.SessionRecommendation().Trainers.Gru4Rec(new Gru4RecTrainer.Options { LayerSizes = [16], BatchSize = 16, NumberOfSamples = 64, NumberOfEpochs = 1 });
        // Normalised in place: the model's item column is the raw input column, so no option is needed.
        var model = ml.Transforms.Text.NormalizeText("ItemId", caseMode: Microsoft.ML.Transforms.Text.TextNormalizingEstimator.CaseMode.Lower)
            .Append(trainer).Fit(train);
        var prefixes = RawPrefixes();
        Assert.IsGreaterThan(10, prefixes.Count);
        var expected = Expected(ml, model, prefixes.Select(p => new ItemSession { ItemId = p }));
        string zip = Save(ml, model, train.Schema);
        try
        {
            using var recommender = SessionRecommender.Load(new MLContext(seed: 2), zip);
            AssertStreams(recommender, prefixes, expected, "loaded");
            // The stateless call and unknown ids behave as before.
            AssertSameList(expected[0], Line(recommender.Recommend(prefixes[0])), "stateless");
            using var session = recommender.StartSession();
            Assert.IsFalse(session.Add("SKU-no-such-item"));
            Assert.AreEqual((0, 1), (session.Length, session.IgnoredItems));
            // Many threads share the recommender (and its pooled one-row contexts).
            var parallel = new string[prefixes.Count];
            Parallel.For(0, prefixes.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                using var s = recommender.StartSession();
                foreach (var id in prefixes[i]) s.Add(id);
                parallel[i] = Line(s.Recommend());
            });
            AssertSameLists(expected, parallel, "parallel sessions");
        }
        finally { File.Delete(zip); }
    }

    [TestMethod]
    public void RenamedItemColumnNeedsTheInputColumnOptionElseAClearError()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Events("train_full", 20000).Select(e => new ProductEvent { SessionId = e.SessionId, ProductId = e.ProductId, Time = e.Time }));
        // "ItemId" is made by the pipeline from the raw "ProductId" (renamed and normalised).
        var model = ml.Transforms.Text.NormalizeText("ItemId", "ProductId", Microsoft.ML.Transforms.Text.TextNormalizingEstimator.CaseMode.Lower)
            .Append(ml.SessionRecommendation().Trainers.Baseline(Sr())).Fit(train);
        var prefixes = RawPrefixes();
        var expected = Expected(ml, model, prefixes.Select(p => new ProductSession { ProductId = p }));
        string zip = Save(ml, model, train.Schema);
        try
        {
            var error = Assert.Throws<ArgumentException>(() => SessionRecommender.Load(ml, zip));
            StringAssert.Contains(error.Message, "no column 'ItemId'");
            StringAssert.Contains(error.Message, "'ProductId'");
            StringAssert.Contains(error.Message, "inputItemColumnName");
            Assert.DoesNotContain("\n", error.Message);

            using (var loaded = SessionRecommender.Load(ml, zip, inputItemColumnName: "ProductId")) AssertStreams(loaded, prefixes, expected, "loaded");
            // A fitted chain with its input schema, without saving.
            using (var created = SessionRecommender.Create(model, train.Schema, inputItemColumnName: "ProductId")) AssertStreams(created, prefixes, expected, "created");
            Assert.Throws<ArgumentException>(() => SessionRecommender.Create(model, train.Schema));
            // Dependency injection: the single recommender and the pool take the option too.
            using var provider = new ServiceCollection().AddSingleton(ml)
                .AddSessionRecommender(zip, inputItemColumnName: "ProductId")
                .AddSessionRecommenderPool().FromFile("normalised", zip, inputItemColumnName: "ProductId").Services
                .BuildServiceProvider();
            AssertStreams(provider.GetRequiredService<SessionRecommender>(), prefixes, expected, "DI");
            AssertStreams(provider.GetRequiredService<SessionRecommenderPool>().GetRecommender("normalised"), prefixes, expected, "pool");
        }
        finally { File.Delete(zip); }
    }

    [TestMethod]
    public void WithoutUpstreamTransformsIdsMapStraightAsBefore()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Events("train_full", 20000));
        var model = ml.SessionRecommendation().Trainers.Baseline(Sr()).Fit(train);
        using var recommender = SessionRecommender.Create(model, train.Schema);
        Assert.IsNull(recommender.Upstream, "no upstream transforms: no per-event ML.NET row");
        var prefixes = RawPrefixes();
        AssertStreams(recommender, prefixes, Expected(ml, model, prefixes.Select(p => new ItemSession { ItemId = p })), "plain");
    }
}
