using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// What ML.NET users expect of an ML.NET trainer (issue 11, items 5-10): validation data through the options, the
/// whole chain applied by Evaluate with the trained column names stored in the model, options checked before any
/// data is read, ML.NET's exception types, time formats on the options, cancellation while reading and training.
/// </summary>
[TestClass]
public sealed class MLNetConventionsTests
{
    /// <summary>One rsc15-100k event with custom column names and the time in several forms.</summary>
    private sealed class Click
    {
        public string Sid { get; set; } = "";
        public string ProductId { get; set; } = "";
        public double Seconds { get; set; }
        public double Millis { get; set; }
        public string Iso { get; set; } = "";
        public string Custom { get; set; } = "";
        public DateTime When { get; set; }
    }

    private static List<Click> Clicks(string part, int rows, Action<int>? onRow = null) =>
        File.ReadLines(TestData.Rsc15(part)).Skip(1).Take(rows).Select((line, i) =>
        {
            onRow?.Invoke(i);
            var f = line.Split('\t');
            double seconds = double.Parse(f[2], CultureInfo.InvariantCulture);
            var time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)).UtcDateTime;
            return new Click
            {
                Sid = f[0], ProductId = f[1], Seconds = Math.Round(seconds * 1000) / 1000, Millis = Math.Round(seconds * 1000),
                Iso = time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                Custom = time.ToString("dd/MM/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture), When = time,
            };
        }).ToList();

    /// <summary>Rows of an IEnumerable pulled by a cursor (the data view reads lazily).</summary>
    private sealed class CountingRows(IEnumerable<Click> rows, Action<int>? onRow = null)
    {
        public int Read;

        public IEnumerable<Click> Rows()
        {
            foreach (var row in rows)
            {
                onRow?.Invoke(Read);
                Read++;
                yield return row;
            }
        }
    }

    private static SessionBaselineTrainer.Options Sr(string time = "Seconds", Action<SessionBaselineTrainer.Options>? change = null)
    {
        var options = new SessionBaselineTrainer.Options
        {
            Baseline = SessionBaseline.SequentialRules, SessionColumnName = "Sid", ItemColumnName = "ProductId", TimeColumnName = time,
        };
        change?.Invoke(options);
        return options;
    }

    private static string[] Top(ITransformer model, params string[] session)
    {
        using var recommender = ((SessionRecommendationTransformer)model).CreateRecommender();
        return recommender.Recommend(session, topK: 10).Select(r => r.ItemId).ToArray();
    }

    [TestMethod]
    public void ValidationSetOnTheOptionsIsEvaluatedEveryEpochInsideAPipeline()
    {
        var ml = new MLContext(seed: 42);
        var train = ml.Data.LoadFromEnumerable(Clicks("train_full", 6000));
        var valid = ml.Data.LoadFromEnumerable(Clicks("test", 2000));
        var reports = new List<Gru4RecEpochReport>();
        var options = new Gru4RecTrainer.Options
        {
            SessionColumnName = "Sid", ItemColumnName = "ItemId", TimeColumnName = "Seconds", LayerSizes = [16], BatchSize = 16,
            NumberOfSamples = 64, NumberOfEpochs = 2, ValidationSet = ml.Transforms.CopyColumns("ItemId", "ProductId").Fit(valid).Transform(valid),
            OnEpoch = reports.Add,
        };
        var pipeline = ml.Transforms.CopyColumns("ItemId", "ProductId").Append(ml.SessionRecommendation().Trainers.Gru4Rec(options));
        using var model = (IDisposable)pipeline.Fit(train);
        Assert.HasCount(2, reports);
        Assert.IsTrue(reports.All(r => r.Validation is { Count: > 0 } && r.Validation[0].Recall > 0), string.Join("\n", reports));
    }

    [TestMethod]
    public void EvaluateAppliesTheWholeChainWithTheTrainedColumnNamesAlsoAfterLoading()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Clicks("train_full", 20000));
        var test = ml.Data.LoadFromEnumerable(Clicks("test", 3000));
        // The session model reads "ItemId", which only the upstream CopyColumns makes; sessions and times have custom names.
        var options = Sr(change: o => o.ItemColumnName = "ItemId");
        var pipeline = ml.Transforms.CopyColumns("ItemId", "ProductId").Append(ml.SessionRecommendation().Trainers.Baseline(options));
        var model = pipeline.Fit(train);
        var metrics = ml.SessionRecommendation().Evaluate(model, test);
        Assert.IsGreaterThan(0.1, metrics.At(20).Recall);

        string zip = Path.Combine(Path.GetTempPath(), $"conventions-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, train.Schema, zip);
            var loaded = new MLContext(seed: 2).Model.Load(zip, out _);
            var again = ml.SessionRecommendation().Evaluate(loaded, test);
            Assert.AreEqual(metrics.At(20).Recall, again.At(20).Recall);
            Assert.AreEqual(metrics.At(20).Mrr, again.At(20).Mrr);
            var inner = ((IEnumerable<ITransformer>)loaded).OfType<SessionRecommendationTransformer>().Single();
            Assert.AreEqual(("Sid", "Seconds"), (inner.SessionColumnName, inner.TimeColumnName));
        }
        finally { File.Delete(zip); }

        // Models saved before the names were stored read them as the defaults.
        using var old = (SessionRecommendationTransformer)ml.Model.Load(ModelFixtureTests.ZipPath("sr"), out _);
        Assert.AreEqual(("SessionId", "Time", SessionTimeFormat.UnixSeconds), (old.SessionColumnName, old.TimeColumnName, old.TimeFormat));
    }

    [TestMethod]
    public void EveryOptionIsCheckedBeforeAnyRowIsRead()
    {
        var ml = new MLContext(seed: 1);
        var rows = new CountingRows(Clicks("train_full", 500));
        var data = ml.Data.LoadFromEnumerable(rows.Rows());
        var trainers = ml.SessionRecommendation().Trainers;

        // At construction.
        Assert.Throws<ArgumentException>(() => trainers.Baseline(Sr(change: o => o.PredictedItemsColumnName = "Score")));
        Assert.Throws<ArgumentException>(() => trainers.Gru4Rec(new Gru4RecTrainer.Options { SessionColumnName = "Sid", PredictedItemsColumnName = "Score" }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.Baseline(Sr(change: o => { o.ItemKnn = new ItemKnnOptions { Neighbors = 0 }; o.Baseline = SessionBaseline.ItemKnn; })));

        // Options changed after construction: Fit checks them again before reading.
        var srOptions = Sr();
        var sr = trainers.Baseline(srOptions);
        srOptions.ScoreColumnName = srOptions.PredictedItemsColumnName;
        Assert.Throws<ArgumentException>(() => sr.Fit(data));
        srOptions.ScoreColumnName = "Score";
        srOptions.SequentialRules.Steps = 0;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sr.Fit(data));
        var gruOptions = new Gru4RecTrainer.Options { SessionColumnName = "Sid", ItemColumnName = "ProductId", TimeColumnName = "Seconds" };
        var gru = trainers.Gru4Rec(gruOptions);
        gruOptions.BatchSize = 0;
        Assert.Throws<ArgumentException>(() => gru.Fit(data));
        gruOptions.BatchSize = 32;
        gruOptions.DateTimeFormat = "yyyy";
        Assert.Throws<ArgumentException>(() => gru.Fit(data));
        Assert.AreEqual(0, rows.Read, "no row was read");
    }

    // SchemaShape.Create is internal to ML.NET (pipelines call it); the tests reach it as EstimatorTests does.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    [TestMethod]
    public void AMissingOrMistypedColumnIsMLNetsArgumentOutOfRangeExceptionEverywhere()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Clicks("train_full", 500));
        // ML.NET's own behaviour for a missing column, for comparison.
        var mlnet = Assert.Throws<Exception>(() => ml.Transforms.Concatenate("F", "Nope").GetOutputSchema(Shape(data.Schema)));
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(mlnet);

        var noItem = ml.SessionRecommendation().Trainers.Baseline(Sr(change: o => o.ItemColumnName = "Nope"));
        var fit = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => noItem.Fit(data));
        StringAssert.Contains(fit.Message, "Could not find item column 'Nope'");
        var schema = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => noItem.GetOutputSchema(Shape(data.Schema)));
        StringAssert.Contains(schema.Message, "Could not find item column 'Nope'");
        var noTime = ml.SessionRecommendation().Trainers.Baseline(Sr("Nope"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => noTime.Fit(data)).Message, "Could not find time column 'Nope'");
        var badTime = ml.SessionRecommendation().Trainers.Baseline(Sr(change: o => o.SessionColumnName = "When"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => badTime.Fit(data)).Message, "Schema mismatch for session column 'When'");

        // Through a fitted chain's GetOutputSchema and Transform.
        var model = ml.SessionRecommendation().Trainers.Baseline(Sr()).Fit(data);
        var chain = new TransformerChain<ITransformer>(model);
        var other = ml.Data.LoadFromEnumerable(new[] { new { Other = "x" } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => chain.GetOutputSchema(other.Schema)).Message, "Could not find item column 'ProductId'");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => chain.Transform(other));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.SessionRecommendation().Evaluate(model, other)).Message, "Could not find");
    }

    [TestMethod]
    public void TimeFormatsOnTheOptionsTrainTheSameModel()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Clicks("train_full", 20000));
        var trainers = ml.SessionRecommendation().Trainers;
        string[] session = ["214716935", "214832672"];
        var expected = Top(trainers.Baseline(Sr()).Fit(data), session);
        Assert.HasCount(10, expected);
        var variants = new (string Name, SessionBaselineTrainer.Options Options)[]
        {
            ("milliseconds", Sr("Millis", o => o.TimeFormat = SessionTimeFormat.UnixMilliseconds)),
            ("DateTime column", Sr("When")),
            ("ISO 8601 text", Sr("Iso", o => o.TimeFormat = SessionTimeFormat.DateTime)),
            ("custom format", Sr("Custom", o => { o.TimeFormat = SessionTimeFormat.DateTime; o.DateTimeFormat = "dd/MM/yyyy HH:mm:ss.fff"; })),
        };
        foreach (var (name, options) in variants)
            CollectionAssert.AreEqual(expected, Top(trainers.Baseline(options).Fit(data), session), name);
        // A model trained on text times evaluates test events of the same form (the format is stored in the model).
        var iso = trainers.Baseline(Sr("Iso", o => o.TimeFormat = SessionTimeFormat.DateTime)).Fit(data);
        Assert.IsGreaterThan(0.1, ml.SessionRecommendation().Evaluate(iso, ml.Data.LoadFromEnumerable(Clicks("test", 3000))).At(20).Recall);
    }

    [TestMethod]
    public void CancellationStopsReadingAndEveryTrainer()
    {
        foreach (var gru in new[] { false, true })
        {
            // Cancelled while the trainer reads: it stops within a few thousand rows, not at the end of the data.
            var ml = new MLContext(seed: 1);
            var rows = new CountingRows(Clicks("train_full", 60000), read => { if (read == 100) ml.SessionRecommendation().CancelExecution(); });
            var data = ml.Data.LoadFromEnumerable(rows.Rows());
            IEstimator<ITransformer> trainer = gru
                ? ml.SessionRecommendation().Trainers.Gru4Rec(new Gru4RecTrainer.Options { SessionColumnName = "Sid", ItemColumnName = "ProductId", TimeColumnName = "Seconds" })
                : ml.SessionRecommendation().Trainers.Baseline(Sr());
            Assert.Throws<OperationCanceledException>(() => trainer.Fit(data));
            Assert.IsLessThan(100 + 2048, rows.Read, $"rows read after cancellation ({(gru ? "GRU4Rec" : "SR")})");
        }

        // Cancelled before Fit: no baseline trains.
        foreach (var baseline in Enum.GetValues<SessionBaseline>())
        {
            var ml = new MLContext(seed: 1);
            var rows = new CountingRows(Clicks("train_full", 2000));
            ml.SessionRecommendation().CancelExecution();
            Assert.Throws<OperationCanceledException>(() => ml.SessionRecommendation().Trainers.Baseline(Sr(change: o => o.Baseline = baseline)).Fit(ml.Data.LoadFromEnumerable(rows.Rows())), baseline.ToString());
            Assert.AreEqual(0, rows.Read, baseline.ToString());
        }
    }
}
