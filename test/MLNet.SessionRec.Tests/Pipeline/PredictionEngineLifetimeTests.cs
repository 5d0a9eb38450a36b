using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Tests.Persistence;
using static MLNet.SessionRec.Tests.Pipeline.TransformerTests;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// The per-request pattern of ML.NET code, <c>using var engine = mlContext.Model.CreatePredictionEngine(model)</c>,
/// against one shared model: ML.NET's engine disposes the transformer it was created from, which must not kill the
/// model (GRU4Rec's native weights are shared by reference count; the baselines ignore Dispose).
/// </summary>
[TestClass]
public sealed class PredictionEngineLifetimeTests
{
    [TestMethod]
    [DataRow("gru4rec-ce")]
    [DataRow("sr")]
    public void AThousandPerRequestEnginesAgainstOneLoadedModel(string fixture)
    {
        var ml = new MLContext(seed: 1);
        using var bare = (SessionRecommendationTransformer)ml.Model.Load(ModelFixtureTests.ZipPath(fixture), out _);
        var model = new TransformerChain<ITransformer>(bare);
        var session = new TextSession { ItemId = ["214716935", "214832672"] };
        string[] first;
        using (var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(model)) first = engine.Predict(session).PredictedItems;
        Assert.HasCount(20, first);
        for (int request = 0; request < 1000; request++)
        {
            // Alternate a chain and the bare transformer inside it: both are what users pass.
            using var engine = ml.Model.CreatePredictionEngine<TextSession, TextPrediction>(request % 2 == 0 ? model : bare);
            CollectionAssert.AreEqual(first, engine.Predict(session).PredictedItems, $"request {request}");
        }
        var data = ml.Data.LoadFromEnumerable([session]);
        CollectionAssert.AreEqual(first, ml.Data.CreateEnumerable<TextPrediction>(model.Transform(data), false).Single().PredictedItems);
    }
}
