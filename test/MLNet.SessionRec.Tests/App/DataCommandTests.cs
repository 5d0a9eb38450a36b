using System.Globalization;

namespace MLNet.SessionRec.Tests.App;

/// <summary>preprocess rsc15 and split end to end on files made from the real rsc15-100k rows.</summary>
[TestClass]
public sealed class DataCommandTests
{
    private static List<string[]> Rows(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();

    [TestMethod]
    public void SplitOfTrainFullByOneDayGivesTheOfficialTrainTrAndTrainValid()
    {
        using var dir = new AppRunner.TempDir();
        var r = AppRunner.Run("split", "--input", TestData.Rsc15("train_full"), "--days", "1", "--output", dir.Path);
        r.AssertSuccess();
        string train = dir.File("yoochoose-clicks-100k_train_full_train_full.txt"), test = dir.File("yoochoose-clicks-100k_train_full_test.txt");
        var trainRows = Rows(train);
        var testRows = Rows(test);
        // The official files were made by the same rule (GRU4Rec's preprocess.py split of train_full).
        Assert.HasCount(53_254, trainRows); // the rows of the official train_tr (SessionTimeSplitTests compares the files)
        Assert.HasCount(16_539, testRows); // the rows of the official train_valid
        Assert.AreEqual(13_629, trainRows.Select(f => f[0]).Distinct().Count());
        Assert.AreEqual(4_084, testRows.Select(f => f[0]).Distinct().Count());
        Assert.Contains("53254 events", r.Out);
    }

    [TestMethod]
    public void PreprocessRsc15WritesTheFourFilesWithTheOfficialRules()
    {
        using var dir = new AppRunner.TempDir();
        // Raw yoochoose-clicks.dat format (no header: SessionId,ISO time,ItemId,Category) from real rows.
        string raw = dir.File("yoochoose-clicks.dat");
        var events = Rows(TestData.Rsc15("train_full")).Concat(Rows(TestData.Rsc15("test")));
        File.WriteAllLines(raw, events.Select(f =>
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(double.Parse(f[2], CultureInfo.InvariantCulture) * 1000));
            return $"{f[0]},{time.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fff}Z,{f[1]},0";
        }));
        string output = dir.File("out");
        var r = AppRunner.Run("preprocess", "rsc15", "--input", raw, "--output", output);
        r.AssertSuccess();
        string[] parts = ["train_full", "test", "train_tr", "train_valid"];
        var files = parts.ToDictionary(p => p, p => Rows(Path.Combine(output, $"rsc15_{p}.txt")));
        foreach (var p in parts) Assert.IsNotEmpty(files[p], p);
        var trainItems = files["train_full"].Select(f => f[1]).ToHashSet();
        Assert.IsTrue(files["test"].All(f => trainItems.Contains(f[1])), "test items must occur in train_full");
        Assert.IsTrue(files["test"].GroupBy(f => f[0]).All(g => g.Count() >= 2), "test sessions have at least 2 events");
        var fullRows = files["train_full"].Select(f => string.Join('\t', f)).ToHashSet();
        Assert.IsTrue(files["train_tr"].All(f => fullRows.Contains(string.Join('\t', f))), "train_tr is a part of train_full");
        var trSessions = files["train_tr"].Select(f => f[0]).ToHashSet();
        Assert.IsFalse(files["train_valid"].Any(f => trSessions.Contains(f[0])), "train_tr and train_valid share no session");
        double lastTrain = files["train_full"].Max(f => double.Parse(f[2], CultureInfo.InvariantCulture));
        foreach (var session in files["test"].GroupBy(f => f[0]))
            Assert.IsGreaterThan(lastTrain, session.Max(f => double.Parse(f[2], CultureInfo.InvariantCulture)));
        Assert.Contains("rsc15_test.txt", r.Out);
    }
}
