using System.Globalization;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Baselines;

/// <summary>
/// Compares AR and SR with the lists that session-rec itself wrote for the first 99 rsc15-100k test sessions
/// (SessionId;Position;Recommendations;Scores, scores divided by the row's maximum; items without a rule score 0).
/// </summary>
[TestClass]
public sealed class SessionRecCrossCheckTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string Recommendations(string model) =>
        TestData.RequireShared(Path.Combine("rsc15-100k", "session-rec-recommendations", $"recoms_rsc15_100k_{model}.csv"));

    /// <summary>
    /// Asserts that every prediction's sorted normalised rule weights equal session-rec's, and returns the share of
    /// predictions whose scored items (score &gt; 0) are exactly session-rec's too.
    /// </summary>
    private double AgreeingShare(LastItemModel model, SessionDataset test, string file)
    {
        var sessionIndex = test.SessionIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        int rows = 0, agree = 0;
        foreach (var line in File.ReadLines(file).Skip(1))
        {
            var f = line.Split(';');
            var events = test.GetSession(sessionIndex[f[0]]);
            int last = events[int.Parse(f[1], CultureInfo.InvariantCulture)];
            var ids = f[2].Split(',');
            var scores = f[3].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var theirs = new Dictionary<int, double>();
            for (int k = 0; k < ids.Length; k++)
                if (scores[k] > 0 && model.Items.TryGetIndex(ids[k], out int item)) theirs[item] = scores[k];
            var ours = new Dictionary<int, double>();
            double max = 0;
            for (int j = 0; j < model.Items.Count; j++) max = Math.Max(max, model.Score(last, j));
            for (int j = 0; j < model.Items.Count; j++)
                if (model.Score(last, j) > 0) ours[j] = model.Score(last, j) / max;
            rows++;
            // The sorted weights must always agree; the items may differ only among rules of equal weight at the
            // pruning boundary (which of them session-rec keeps depends on its dict insertion order).
            var ourWeights = ours.Values.OrderDescending().ToArray();
            var theirWeights = theirs.Values.OrderDescending().ToArray();
            Assert.HasCount(theirWeights.Length, ourWeights, $"{file}: rule count for session {f[0]} position {f[1]}");
            for (int k = 0; k < ourWeights.Length; k++)
                Assert.AreEqual(theirWeights[k], ourWeights[k], 1e-5, $"{file}: weight #{k} for session {f[0]} position {f[1]}");
            if (ours.All(kv => theirs.TryGetValue(kv.Key, out double t) && Math.Abs(t - kv.Value) < 1e-5)) agree++;
        }
        Assert.AreEqual(387, rows, "predictions in the session-rec lists");
        double share = agree / (double)rows;
        TestContext.WriteLine($"{model.Name}: {agree}/{rows} predictions with session-rec's exact scored items and scores");
        return share;
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void AssociationRulesMatchSessionRecLists()
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        Assert.IsGreaterThanOrEqualTo(0.95, AgreeingShare(AssociationRulesModel.Train(train), test, Recommendations("ar")));
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void SequentialRulesMatchSessionRecLists()
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        // session-rec's conf/example_next.yml, which wrote these lists, runs SR with steps 20 and quadratic weighting.
        var options = new SequentialRulesOptions { Steps = 20, Weighting = SequentialRuleWeighting.Quadratic };
        Assert.IsGreaterThanOrEqualTo(0.95, AgreeingShare(SequentialRulesModel.Train(train, options), test, Recommendations("sr")));
    }
}
