using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Tests.Docs;

/// <summary>The C# sample of docs/mlnet.md: the code between the markers, shown verbatim there and run here.</summary>
[TestClass]
public sealed class MLNetSampleTests
{
    // <mlnet>
    public sealed class SessionInput
    {
        public string[] ItemId { get; set; } = [];
    }

    public sealed class SessionOutput
    {
        public string[] PredictedItems { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    static (string[] Engine, string[] Batch, string[] Streaming) ThreeWaysToPredict(MLContext mlContext, IDataView trainEvents, string modelPath)
    {
        string[] items = ["214716935", "214832672"]; // the session so far, oldest first
        using SessionRecommendationTransformer model =
            mlContext.SessionRecommendation().Trainers.SequentialRules(topK: 10).Fit(trainEvents);

        // 1. One request: a prediction engine (not thread-safe: one per thread, or a pool).
        using var engine = mlContext.Model.CreatePredictionEngine<SessionInput, SessionOutput>(model);
        SessionOutput single = engine.Predict(new SessionInput { ItemId = items });

        // 2. Many sessions at once: Transform scores the rows in batches.
        IDataView sessions = mlContext.Data.LoadFromEnumerable([new SessionInput { ItemId = items }]);
        SessionOutput first = mlContext.Data.CreateEnumerable<SessionOutput>(model.Transform(sessions), reuseRowObject: false).First();

        // 3. Serving: save, register the thread-safe recommender for DI, stream one event at a time.
        mlContext.Model.Save(model, trainEvents.Schema, modelPath);
        using var provider = new ServiceCollection().AddSessionRecommender(modelPath).BuildServiceProvider();
        var recommender = provider.GetRequiredService<SessionRecommender>();
        using RecommendationSession session = recommender.StartSession();
        foreach (string item in items) session.Add(item); // each Add is one step of the model's state
        string[] streamed = session.Recommend().Select(r => r.ItemId).ToArray();

        return (single.PredictedItems, first.PredictedItems, streamed);
    }
    // </mlnet>

    [TestMethod]
    public void DocShowsTheTestedCode() =>
        GettingStartedSampleTests.AssertDocShows("mlnet.md", "MLNetSampleTests.cs", "mlnet");

    [TestMethod]
    public void EngineBatchAndStreamingAgreeOnRsc15()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.CreateTextLoader(
        [
            new TextLoader.Column("SessionId", DataKind.String, 0),
            new TextLoader.Column("ItemId", DataKind.String, 1),
            new TextLoader.Column("Time", DataKind.Double, 2),
        ], separatorChar: '\t', hasHeader: true).Load(TestData.Rsc15("train_full"));
        string zip = Path.Combine(Path.GetTempPath(), $"mlnet-sample-{Environment.ProcessId}.zip");
        try
        {
            var (engine, batch, streaming) = ThreeWaysToPredict(ml, train, zip);
            Assert.HasCount(10, engine);
            CollectionAssert.AreEqual(engine, batch);
            CollectionAssert.AreEqual(engine, streaming);
        }
        finally { File.Delete(zip); }
    }
}
