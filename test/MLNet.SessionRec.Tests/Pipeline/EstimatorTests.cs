using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Pipeline;

[TestClass]
public sealed class EstimatorTests
{
    // Shape(DataViewSchema) is internal to ML.NET; tests reach it by reflection.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    private static void AssertSameShape(SchemaShape expected, SchemaShape actual)
    {
        var a = expected.ToDictionary(c => c.Name);
        var b = actual.ToDictionary(c => c.Name);
        CollectionAssert.AreEquivalent(a.Keys.ToList(), b.Keys.ToList());
        foreach (var (name, column) in a)
        {
            Assert.AreEqual(column.Kind, b[name].Kind, name);
            Assert.AreEqual(column.ItemType, b[name].ItemType, name);
            Assert.AreEqual(column.IsKey, b[name].IsKey, name);
            CollectionAssert.AreEquivalent(column.Annotations.Select(x => x.Name).ToList(), b[name].Annotations.Select(x => x.Name).ToList(), name);
        }
    }

    [TestMethod]
    public void GetOutputSchemaMatchesTheFittedPipelineForTextAndKeyItems()
    {
        var ml = new MLContext(seed: 1);
        var train = PipelineTestData.Events(ml, "train_full");
        var text = ml.SessionRecommendation().Trainers.Markov();
        var keyed = ml.Transforms.Conversion.MapValueToKey("ItemId").Append(ml.SessionRecommendation().Trainers.Markov());
        foreach (var estimator in new IEstimator<ITransformer>[] { text, keyed })
        {
            var promised = estimator.GetOutputSchema(Shape(train.Schema));
            var real = Shape(estimator.Fit(train).Transform(train).Schema);
            AssertSameShape(promised, real);
        }
        Assert.AreEqual(SchemaShape.Column.VectorKind.VariableVector, keyed.GetOutputSchema(Shape(train.Schema)).Single(c => c.Name == "PredictedItems").Kind);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { SessionId = "s", ItemId = 1.5f, Time = 1.0 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => text.GetOutputSchema(Shape(bad.Schema)));
        StringAssert.Contains(e.Message, "'ItemId'");
    }

    [TestMethod]
    public void CatalogTrainsTheSameModelAsTheDirectApiAndEvaluatesLikeTheEvaluator()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.SessionRecommendation().Trainers.ItemKnn().Fit(PipelineTestData.Events(ml, "train_full"));
        var metrics = ml.SessionRecommendation().Evaluate(model, PipelineTestData.Events(ml, "test"), cutoffs: [5, 20]);

        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var direct = ItemKnnModel.Train(train);
        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        var reference = RankingEvaluator.Evaluate(direct, test, new RankingEvaluatorOptions { Cutoffs = [5, 20] });
        Assert.AreEqual(reference.RecallAt(20), metrics.RecallAt(20), 1e-12);
        Assert.AreEqual(reference.MrrAt(5), metrics.MrrAt(5), 1e-12);
        Assert.AreEqual(0.3900, metrics.RecallAt(20), 0.01, "Item-KNN reference on rsc15-100k");
    }

    [TestMethod]
    public void MissingTrainingColumnsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var train = PipelineTestData.Events(ml, "train_full");
        var e = Assert.Throws<Exception>(() => ml.SessionRecommendation().Trainers.Popularity(timeColumnName: "Timestamp").Fit(train));
        StringAssert.Contains(e.Message, "'Timestamp'");
    }
}
