using Microsoft.ML;
using MLNet.SessionRec.Tests.Persistence;
using static MLNet.SessionRec.Tests.Pipeline.TransformerTests;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>ONNX export of a session recommendation model fails loudly and names the alternative (it used to write an empty graph).</summary>
[TestClass]
public sealed class OnnxExportTests
{
    [TestMethod]
    [DataRow("gru4rec-ce")]
    [DataRow("sr")]
    public void ConvertToOnnxThrowsNotSupportedNamingTheAlternative(string fixture)
    {
        var ml = new MLContext(seed: 1);
        using var model = (SessionRecommendationTransformer)ml.Model.Load(ModelFixtureTests.ZipPath(fixture), out _);
        var data = ml.Data.LoadFromEnumerable([new TextSession { ItemId = ["214716935"] }]);
        var chain = ml.Transforms.CopyColumns("Copy", "ItemId").Fit(data).Append(model);
        foreach (var transformer in new ITransformer[] { model, chain })
        {
            using var stream = new MemoryStream();
            var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.ConvertToOnnx(transformer, data, stream));
            StringAssert.Contains(e.Message, "mlContext.Model.Save");
        }
        // Nothing else changes for the transformer's output.
        var row = ml.Data.CreateEnumerable<TextPrediction>(chain.Transform(data), false).Single();
        Assert.HasCount(20, row.PredictedItems);
    }
}
