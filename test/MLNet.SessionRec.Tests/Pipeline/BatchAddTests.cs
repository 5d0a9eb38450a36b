using System.Globalization;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary><see cref="SessionRecommender.AddMany"/>: many events in waves, the same effect as one Add after another.</summary>
[TestClass]
public sealed class BatchAddTests
{
    // The first events of the rsc15-100k test file in time order (sessions interleave), with unknown items mixed in.
    private static List<(string Session, string Item)> Events(int count)
    {
        var events = File.ReadLines(TestData.Rsc15("test")).Skip(1).Take(count).Select(l => l.Split('\t'))
            .Select(f => (Session: f[0], Item: f[1], Time: double.Parse(f[2], CultureInfo.InvariantCulture)))
            .OrderBy(e => e.Time).Select(e => (e.Session, e.Item)).ToList();
        for (int i = 5; i < events.Count; i += 97) events.Insert(i, (events[i].Session, "no-such-item"));
        events.Insert(0, ("only-unknown", "no-such-item"));
        return events;
    }

    private static string Line(IReadOnlyList<RecommendedItem> list) => string.Join(" ", list.Select(r => $"{r.ItemId}:{r.Score:R}"));

    /// <summary>
    /// A baseline's state is item indices and counts: the same bytes. GRU4Rec's hidden state comes from a matrix
    /// product whose rounding depends on the number of rows (one row for Add, a wave for AddMany): the same header
    /// (identity, counters, layout) and every unit within 1e-5.
    /// </summary>
    private static void AssertSameState(byte[] expected, byte[] actual, bool exact, string what)
    {
        if (exact)
        {
            CollectionAssert.AreEqual(expected, actual, $"{what}: state bytes");
            return;
        }
        const int header = 8 + 4 + 32 + 4 + 4 + 12; // magic, version, identity, length, ignored; the GRU state's version, layers, units
        Assert.AreEqual(expected.Length, actual.Length, what);
        CollectionAssert.AreEqual(expected[..header], actual[..header], $"{what}: state header");
        for (int o = header; o < expected.Length; o += 4)
        {
            float x = BitConverter.ToSingle(expected, o), y = BitConverter.ToSingle(actual, o);
            Assert.IsLessThanOrEqualTo(1e-5f * Math.Max(1f, Math.Abs(x)), Math.Abs(x - y), $"{what}: unit {(o - header) / 4}: {x:R} / {y:R}");
        }
    }

    [TestMethod]
    [DataRow("gru4rec-ce")]
    [DataRow("sr")]
    public void AddMany_in_waves_equals_one_Add_after_another(string fixture)
    {
        using var recommender = SessionRecommender.Load(ModelFixtureTests.ZipPath(fixture));
        var events = Events(1500);
        var ids = events.Select(e => e.Session).Distinct().ToList();
        Assert.IsGreaterThan(256, ids.Count, "more sessions than one step holds");
        Assert.IsLessThan(events.Count, ids.Count, "sessions repeat, so there are several waves");

        var single = ids.ToDictionary(id => id, _ => recommender.StartSession());
        var expectedKnown = events.Select(e => single[e.Session].Add(e.Item)).ToArray();

        var batched = ids.ToDictionary(id => id, _ => recommender.StartSession());
        // In uneven calls: a session's events are split across calls and repeat within each.
        var known = new List<bool>();
        for (int start = 0, size = 1; start < events.Count; start += size, size = size * 3 + 1)
        {
            var part = events.Skip(start).Take(size).ToList();
            known.AddRange(recommender.AddMany(part.Select(e => batched[e.Session]).ToList(), part.Select(e => e.Item).ToList()));
        }
        CollectionAssert.AreEqual(expectedKnown, known);
        Assert.IsTrue(known.Contains(false), "unknown items are reported");

        foreach (var id in ids)
        {
            var (a, b) = (single[id], batched[id]);
            Assert.AreEqual(a.Length, b.Length, id);
            Assert.AreEqual(a.IgnoredItems, b.IgnoredItems, id);
            AssertSameState(a.ExportState(), b.ExportState(), exact: fixture != "gru4rec-ce", $"{fixture} session {id}");
            if (fixture == "gru4rec-ce") BatchRecommendTests.AssertSameList(a.Recommend(20), b.Recommend(20), $"{fixture} session {id}");
            else Assert.AreEqual(Line(a.Recommend(20)), Line(b.Recommend(20)), $"{fixture} session {id}: list");
        }
        Assert.AreEqual(1, batched["only-unknown"].IgnoredItems);
        Assert.AreEqual(0, batched["only-unknown"].Length);
        foreach (var s in single.Values.Concat(batched.Values)) s.Dispose();
    }

    [TestMethod]
    public void Concurrent_AddMany_calls_over_the_same_sessions_in_opposite_orders_all_apply()
    {
        using var recommender = SessionRecommender.Load(ModelFixtureTests.ZipPath("sr"));
        var items = File.ReadLines(TestData.Rsc15("test")).Skip(1).Take(2).Select(l => l.Split('\t')[1]).ToArray();
        var sessions = Enumerable.Range(0, 2000).Select(_ => recommender.StartSession()).ToArray();
        var reversed = sessions.Reverse().ToArray();
        var first = Enumerable.Repeat(items[0], sessions.Length).ToArray();
        const int rounds = 40;
        // Each call locks all its sessions: taken in each call's own order, these two would deadlock.
        var forward = Task.Run(() => { for (int i = 0; i < rounds; i++) recommender.AddMany(sessions, first); });
        var backward = Task.Run(() => { for (int i = 0; i < rounds; i++) recommender.AddMany(reversed, first); });
        var single = Task.Run(() => { for (int i = 0; i < rounds; i++) sessions[7].Add(items[1]); });
        Assert.IsTrue(Task.WaitAll([forward, backward, single], TimeSpan.FromMinutes(2)), "the calls finished (no deadlock)");
        Assert.IsTrue(sessions.All(s => s.Length == (s == sessions[7] ? 3 : 2) * rounds), "every event applied once");
        foreach (var s in sessions) s.Dispose();
    }

    [TestMethod]
    public void AddMany_refuses_bad_arguments_and_changes_nothing()
    {
        using var a = SessionRecommender.Load(ModelFixtureTests.ZipPath("sr"));
        using var b = SessionRecommender.Load(ModelFixtureTests.ZipPath("sr"));
        using var mine = a.StartSession();
        using var theirs = b.StartSession();
        string item = File.ReadLines(TestData.Rsc15("test")).Skip(1).First().Split('\t')[1];

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => a.AddMany([mine, mine], [item])).Message, "2 sessions, 1 item ids");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => a.AddMany([mine, theirs], [item, item])).Message, "Session 1 belongs to another recommender");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentNullException>(() => a.AddMany([mine, null!], [item, item])).Message, "Session 1 is null");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentNullException>(() => a.AddMany([mine], [null!])).Message, "Item id 0 is null");
        var ended = a.StartSession();
        ended.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.AddMany([mine, ended], [item, item]));
        Assert.AreEqual(0, mine.Length, "a refused call adds nothing");

        CollectionAssert.AreEqual(new[] { true }, a.AddMany([mine], [item]));
        Assert.AreEqual(1, mine.Length);
        a.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.AddMany([mine], [item]));
    }
}
