using System.Text.Json;

namespace MLNet.SessionRec.Tests.App;

/// <summary>The evaluate command end to end on the rsc15-100k files.</summary>
[TestClass]
public sealed class EvaluateCommandTests
{
    private static readonly string[] MetricNames = ["recall", "mrr", "ndcg", "coverage", "popularity"];

    [TestMethod]
    public void BaselinesReportJsonFollowsTheDocumentedSchema()
    {
        using var dir = new AppRunner.TempDir();
        string json = dir.File("out/report.json");
        var r = AppRunner.Run("evaluate", "--train", TestData.Rsc15("train_full"), "--test", TestData.Rsc15("test"),
            "--models", "pop", "--cutoffs", "5,20", "--ties", "conservative", "--report-json", json);
        r.AssertSuccess();
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        CollectionAssert.AreEqual(new[] { "version", "ties", "cutoffs", "models" }, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual(1, root.GetProperty("version").GetInt32());
        Assert.AreEqual("conservative", root.GetProperty("ties").GetString());
        CollectionAssert.AreEqual(new[] { 5, 20 }, root.GetProperty("cutoffs").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var models = root.GetProperty("models").EnumerateArray().ToArray();
        Assert.HasCount(1, models);
        var pop = models[0];
        CollectionAssert.AreEqual(
            new[] { "model", "params", "metrics", "train_seconds", "train_events_per_second", "eval_seconds", "dataset" },
            pop.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual("pop", pop.GetProperty("model").GetString());
        var metrics = pop.GetProperty("metrics");
        var expectedKeys = new[] { 5, 20 }.SelectMany(k => MetricNames.Select(m => $"{m}@{k}")).ToArray();
        CollectionAssert.AreEquivalent(expectedKeys, metrics.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var m in metrics.EnumerateObject())
            Assert.IsTrue(m.Value.GetDouble() is >= 0 and <= 1, $"{m.Name} = {m.Value} is outside [0, 1]");
        // POP reference of the foundation issue (independent implementation, conservative ties).
        Assert.AreEqual(0.0894, metrics.GetProperty("recall@20").GetDouble(), 0.001);
        Assert.AreEqual(0.0264, metrics.GetProperty("mrr@20").GetDouble(), 0.001);
        Assert.IsTrue(metrics.GetProperty("recall@5").GetDouble() <= metrics.GetProperty("recall@20").GetDouble());
        var dataset = pop.GetProperty("dataset");
        Assert.AreEqual(70_278, dataset.GetProperty("train_events").GetInt32());
        Assert.AreEqual(10_152, dataset.GetProperty("test_predictions").GetInt32());
        Assert.AreEqual(0, dataset.GetProperty("test_events_dropped_unknown").GetInt32());
        Assert.IsTrue(pop.GetProperty("eval_seconds").GetDouble() > 0);
        // The table names the tie mode; the data summary stays on one line in logs.
        Assert.Contains("ties: conservative", r.Out);
        Assert.Contains("2,933 items; test yoochoose-clicks-100k_test.txt: 13,568 events, 3,416 sessions", r.Out);
        Assert.Contains("Recall@20", r.Out);
    }

    [TestMethod]
    public void DroppedUnknownTestItemsAreCounted()
    {
        using var dir = new AppRunner.TempDir();
        string test = dir.File("test.tsv");
        // The real test file plus one session with an item that training never saw.
        File.WriteAllText(test, File.ReadAllText(TestData.Rsc15("test")) + "99999999\t1\t1396829999\n99999999\t214716935\t1396830000\n99999999\t214832672\t1396830001\n");
        string json = dir.File("r.json");
        AppRunner.Run("evaluate", "--train", TestData.Rsc15("train_full"), "--test", test, "--models", "pop", "--quiet", "--report-json", json).AssertSuccess();
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var dataset = doc.RootElement.GetProperty("models")[0].GetProperty("dataset");
        Assert.AreEqual(1, dataset.GetProperty("test_events_dropped_unknown").GetInt32());
        Assert.AreEqual(10_153, dataset.GetProperty("test_predictions").GetInt32());
    }

    [TestMethod]
    public void QuietModePrintsOnlyATsvTable()
    {
        var r = AppRunner.Run("evaluate", "--models", "pop,itemknn", "--cutoffs", "10,20", "--ties", "standard", "--quiet");
        r.AssertSuccess();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines, r.Out);
        CollectionAssert.AreEqual(new[] { "model", "Recall@10", "Recall@20", "MRR@20", "Coverage@20", "train s", "events/s" }, lines[0].Split('\t'));
        CollectionAssert.AreEqual(new[] { "pop", "itemknn" }, lines.Skip(1).Select(l => l.Split('\t')[0]).ToArray());
        // Training throughput is a GRU4Rec figure; no baseline shows one, however long its single pass took.
        foreach (var line in lines.Skip(1)) Assert.AreEqual("-", line.Split('\t')[^1], line);
        Assert.AreEqual("", r.Err);
    }
}
