using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Baselines;

/// <summary>The reference table on rsc15-100k (train_full -> test, conservative ties), each within 0.01.</summary>
[TestClass]
public sealed class Rsc15ReferenceTests
{
    private static readonly Lazy<(SessionDataset Train, SessionDataset Test)> Data = new(() =>
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        return (train, SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items));
    });

    public TestContext TestContext { get; set; } = null!;

    private void AssertReference(ISessionModel model, double recall, double mrr)
    {
        var metrics = new RankingEvaluator().Evaluate(model, Data.Value.Test);
        TestContext.WriteLine(metrics.ToTable());
        Assert.AreEqual(10_152L, metrics.Predictions, "next-item predictions of the rsc15-100k test set");
        Assert.AreEqual(TieHandling.Conservative, metrics.Ties);
        Assert.AreEqual(recall, metrics.RecallAt(20), 0.01, $"{model.Name} Recall@20");
        Assert.AreEqual(mrr, metrics.MrrAt(20), 0.01, $"{model.Name} MRR@20");
    }

    [TestMethod] public void Pop() => AssertReference(PopularityModel.Train(Data.Value.Train), 0.0894, 0.0264);
    [TestMethod] public void SessionPop() => AssertReference(SessionPopularityModel.Train(Data.Value.Train), 0.3813, 0.2648);
    [TestMethod] public void ItemKnn() => AssertReference(ItemKnnModel.Train(Data.Value.Train), 0.3900, 0.1669);
    [TestMethod] public void AssociationRules() => AssertReference(AssociationRulesModel.Train(Data.Value.Train), 0.6333, 0.3194);
    [TestMethod] public void SequentialRules() => AssertReference(SequentialRulesModel.Train(Data.Value.Train), 0.6189, 0.3432);
    [TestMethod] public void Markov() => AssertReference(MarkovModel.Train(Data.Value.Train), 0.5784, 0.3283);
}
