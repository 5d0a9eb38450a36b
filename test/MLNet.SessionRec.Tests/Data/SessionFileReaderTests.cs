using System.Globalization;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class SessionFileReaderTests
{
    [TestMethod]
    public void ReadsRsc15TrainAndTestWithVerifiedCounts()
    {
        var train = SessionFileReader.Read(TestData.Rsc15("train_full"));
        Assert.AreEqual(70_278, train.EventCount);
        Assert.AreEqual(17_794, train.SessionCount);
        Assert.AreEqual(2_933, train.Items.Count);
        Assert.AreEqual(70_278L, train.Items.GetSupports().Sum());
        for (int s = 1; s < train.SessionCount; s++)
            Assert.IsTrue(train.SessionStartTimes[s - 1] <= train.SessionStartTimes[s]);

        var test = SessionFileReader.Read(TestData.Rsc15("test"), vocabulary: train.Items);
        Assert.AreEqual(13_568, test.EventCount);
        Assert.AreEqual(3_416, test.SessionCount);
        Assert.AreEqual(0L, test.DroppedUnknownItemEvents);
        Assert.AreEqual(2_933, train.Items.Count, "a frozen vocabulary must not grow");
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void NowPlayingMatchesAStraightforwardGroupBy()
    {
        // Independent statement of the store's order: group by session, stable sort by time, sessions by first time
        // then first appearance; items numbered by first appearance in that order.
        var path = TestData.NowPlaying("test");
        var rows = File.ReadLines(path).Skip(1).Select(l => l.Split('\t')).Select((f, i) => (Session: f[0], Item: f[1], Time: double.Parse(f[2], CultureInfo.InvariantCulture), Row: i)).ToList();
        var sessions = rows.GroupBy(r => r.Session).Select(g => g.OrderBy(r => r.Time).ThenBy(r => r.Row).ToList())
            .OrderBy(g => g[0].Time).ThenBy(g => g.Min(r => r.Row)).ToList();
        var data = SessionFileReader.Read(path);
        Assert.AreEqual(sessions.Count, data.SessionCount);
        Assert.AreEqual(rows.Count, data.EventCount);
        var itemOrder = sessions.SelectMany(g => g).Select(r => r.Item).Distinct().ToList();
        CollectionAssert.AreEqual(itemOrder, data.Items.Ids.ToList());
        for (int s = 0; s < data.SessionCount; s++)
        {
            Assert.AreEqual(sessions[s][0].Session, data.SessionIds[s]);
            CollectionAssert.AreEqual(sessions[s].Select(r => r.Item).ToList(), data.GetSession(s).ToArray().Select(data.Items.GetId).ToList());
            Assert.AreEqual(sessions[s].Max(r => r.Time), data.GetSessionEndTime(s));
        }
        var support = rows.GroupBy(r => r.Item).ToDictionary(g => g.Key, g => (long)g.Count());
        for (int i = 0; i < data.Items.Count; i++) Assert.AreEqual(support[data.Items.GetId(i)], data.Items.GetSupport(i));
    }

    [TestMethod]
    public void SortsNonContiguousUnorderedEventsAndKeepsStringIds()
    {
        var path = Temp("s;i;t\nb;x;5\na;y;3\nb;z;1\nc-1;x;2\na;x;4\nb;y;5\n");
        var data = SessionFileReader.Read(path, new SessionFileOptions { SessionColumn = "s", ItemColumn = "i", TimeColumn = "t" });
        // b starts at 1, c-1 at 2, a at 3; inside b: z(1), x(5), y(5) (tie keeps file order)
        CollectionAssert.AreEqual(new[] { "b", "c-1", "a" }, data.SessionIds.ToArray());
        CollectionAssert.AreEqual(new[] { "z", "x", "y" }, data.GetSession(0).ToArray().Select(data.Items.GetId).ToArray());
        CollectionAssert.AreEqual(new[] { "y", "x" }, data.GetSession(2).ToArray().Select(data.Items.GetId).ToArray());
        Assert.AreEqual(3L, data.Items.GetSupport(data.Items.Ids.ToList().IndexOf("x")));
    }

    [TestMethod]
    public void ReadsIsoMillisecondAndCustomTimeFormats()
    {
        var iso = SessionFileReader.Read(Temp("SessionId,ItemId,Time\n1,a,2014-04-07T10:51:09.277Z\n1,b,2014-04-07T12:51:09.277+02:00\n"),
            new SessionFileOptions { TimeFormat = SessionTimeFormat.DateTime });
        Assert.AreEqual(1396867869.277, iso.GetSessionStartTime(0));
        Assert.AreEqual(1396867869.277, iso.GetSessionEndTime(0), "the offset +02:00 names the same instant");
        var ms = SessionFileReader.Read(Temp("SessionId\tItemId\tTime\n1\ta\t1396867869277\n"), new SessionFileOptions { TimeFormat = SessionTimeFormat.UnixMilliseconds });
        Assert.AreEqual(1396867869.277, ms.GetSessionStartTime(0), 1e-6);
        var custom = SessionFileReader.Read(Temp("SessionId\tItemId\tTime\n1\ta\t07/04/2014 10:51\n"),
            new SessionFileOptions { TimeFormat = SessionTimeFormat.DateTime, DateTimeFormat = "dd/MM/yyyy HH:mm" });
        Assert.AreEqual(1396867860.0, custom.GetSessionStartTime(0));
    }

    [TestMethod]
    [TestCategory(TestData.SharedData)]
    public void DigineticaSampleLoadsThroughColumnMapping()
    {
        var path = TestData.RequireShared(Path.Combine("diginetica-sample", "sample_train-item-views.csv"));
        var rows = File.ReadLines(path).Skip(1).Select(l => l.Split(';')).ToList();
        var data = SessionFileReader.Read(path, SessionFileOptions.Diginetica);
        Assert.AreEqual(12_391, data.EventCount);
        Assert.AreEqual(2_986, data.SessionCount);
        Assert.AreEqual(7_139, data.Items.Count);
        // time = the session's earliest eventdate (UTC midnight) + timeframe ms
        var expectedStart = rows.GroupBy(f => f[0]).ToDictionary(g => g.Key,
            g => g.Min(f => DateTimeOffset.ParseExact(f[4], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeSeconds())
                 + g.Min(f => long.Parse(f[3], CultureInfo.InvariantCulture)) / 1000.0);
        for (int s = 0; s < data.SessionCount; s++) Assert.AreEqual(expectedStart[data.SessionIds[s]], data.GetSessionStartTime(s), 1e-6);
        int singles = rows.GroupBy(f => f[0]).Count(g => g.Count() == 1);
        Assert.AreEqual(933, singles);
        var options = SessionFileOptions.Diginetica;
        options.MinSessionLength = 2;
        var kept = SessionFileReader.Read(path, options);
        Assert.AreEqual((long)singles, kept.DroppedShortSessions);
        Assert.AreEqual(2_986 - singles, kept.SessionCount);
        Assert.AreEqual(12_391 - singles, kept.EventCount);
    }

    [TestMethod]
    public void BadInputNamesFileLineAndColumn()
    {
        AssertError("", "empty");
        AssertError("SessionId\tItemId\tTime\n", "no events");
        AssertError("SessionId\tItem\tTime\n1\ta\t1\n", ":1:", "'ItemId'", "not in the header");
        AssertError("SessionId\tItemId\tTime\tItemId\n1\ta\t1\tb\n", ":1:", "'ItemId' twice", "columns 2 and 4");
        AssertError("SessionId\tItemId\tTime\n1\ta\t1\n1\tb\tnoon\n", ":3:", "column 3 'Time'", "'noon'");
        AssertError("SessionId\tItemId\tTime\n1\ta\t1\n1\tb\n", ":3:", "expected 3 columns", "found 2");
        AssertError("SessionId\tItemId\tTime\n1\ta\t1\t7\n", ":2:", "found 4");
        AssertError("SessionId\tItemId\tTime\n1\t\t1\n", ":2:", "column 2 'ItemId' is empty");
        AssertError("SessionId\tItemId\tTime\n1\ta\tNaN\n", ":2:", "'NaN'");
    }

    private static void AssertError(string content, params string[] parts)
    {
        var path = Temp(content);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => SessionFileReader.Read(path));
        StringAssert.Contains(error.Message, path);
        foreach (var part in parts) StringAssert.Contains(error.Message, part);
    }

    internal static string Temp(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sessions-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        return path;
    }
}
