using System.Globalization;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp;
using MLNet.SessionRec.EvaluationApp.Adapters;
using MLNet.SessionRec.EvaluationApp.Commands;
using MLNet.SessionRec.Tests.Persistence;

namespace MLNet.SessionRec.Tests.App;

/// <summary>
/// <c>recommend</c> answers buffered events in waves: its output equals answering one event at a time (a buffer of
/// one event: one Add and one list per event, as before waves), whatever the buffer size and the live-state limit.
/// </summary>
[TestClass]
public sealed class WaveRecommendTests
{
    // The rsc15-100k test file in time order (sessions interleave, so waves are wide), with unknown items mixed in.
    private static readonly Lazy<string> Input = new(() =>
    {
        var rows = File.ReadLines(TestData.Rsc15("test")).Skip(1).Select(l => l.Split('\t'))
            .OrderBy(f => double.Parse(f[2], CultureInfo.InvariantCulture)).Select(f => string.Join('\t', f)).ToList();
        for (int i = 3; i < rows.Count; i += 101) rows.Insert(i, rows[i].Split('\t')[0] + "\tno-such-item\t0");
        rows.Insert(0, "opens-unknown\tno-such-item\t0");
        return "SessionId\tItemId\tTime\n" + string.Join('\n', rows) + "\n";
    });

    private static (string Output, long Unknown) Run(string zip, int bufferEvents, int maxLive = EventStream.DefaultMaxLiveSessions, string? input = null,
        bool answerBeforeWaiting = false)
    {
        using var recommender = ModelStore.Load(zip);
        var output = new StringWriter();
        long unknown = EventStream.Recommend(new StringReader(input ?? Input.Value), "events", recommender, 20, output, CancellationToken.None, maxLive,
            bufferEvents, answerBeforeWaiting);
        return (output.ToString(), unknown);
    }

    [TestMethod]
    public void Waves_write_the_same_bytes_as_one_event_at_a_time_for_a_baseline()
    {
        string zip = ModelFixtureTests.ZipPath("sr");
        var (expected, unknown) = Run(zip, bufferEvents: 1);
        Assert.AreEqual(Input.Value.Count(c => c == '\n') - 1, expected.Count(c => c == '\n'), "one line per event");
        Assert.IsGreaterThan(100L, unknown);
        foreach (var (buffer, maxLive) in new[] { (3, EventStream.DefaultMaxLiveSessions), (EventStream.DefaultBufferEvents, EventStream.DefaultMaxLiveSessions), (EventStream.DefaultBufferEvents, 40) })
        {
            var (output, n) = Run(zip, buffer, maxLive);
            Assert.AreEqual(unknown, n, $"buffer {buffer}, {maxLive} live");
            Assert.AreEqual(expected, output, $"buffer {buffer}, {maxLive} live");
        }
        // As on stdin: a buffer also ends whenever the reader must wait for its next block of text.
        Assert.AreEqual(expected, Run(zip, EventStream.DefaultBufferEvents, answerBeforeWaiting: true).Output, "answered before each wait");
    }

    /// <summary>
    /// GRU4Rec: the same sessions, positions and lists, except where two items score within rounding: a model step and
    /// a product of many rows round in their last bit differently from one row, so such a near tie may resolve the other
    /// way (an item then moves one place, or the last item changes). That happens on a handful of lines at most.
    /// </summary>
    [TestMethod]
    public void Waves_give_gru4rec_the_same_lists_as_one_event_at_a_time_up_to_near_ties()
    {
        string zip = ModelFixtureTests.ZipPath("gru4rec-ce");
        // The first 800 events: lists cost a pass over the catalog each, and one event at a time is the slow reference.
        string input = string.Join('\n', Input.Value.Split('\n').Take(801)) + "\n";
        var (expected, unknown) = Run(zip, bufferEvents: 1, input: input);
        var want = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(800, want);
        foreach (var (buffer, maxLive) in new[] { (3, EventStream.DefaultMaxLiveSessions), (EventStream.DefaultBufferEvents, 50) })
        {
            string what = $"buffer {buffer}, {maxLive} live";
            var (output, n) = Run(zip, buffer, maxLive, input);
            Assert.AreEqual(unknown, n, what);
            var got = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(want.Length, got, what);
            int differing = 0;
            for (int i = 0; i < want.Length; i++)
            {
                if (want[i] == got[i]) continue;
                differing++;
                var (a, b) = (want[i].Split('\t'), got[i].Split('\t'));
                Assert.AreEqual(a[0] + "\t" + a[1], b[0] + "\t" + b[1], $"{what} line {i + 1}: session and position");
                var (x, y) = (a[2].Split(','), b[2].Split(','));
                Assert.IsGreaterThanOrEqualTo(x.Length - 1, x.Intersect(y).Count(), $"{what} line {i + 1}: {a[2]} / {b[2]}");
                foreach (var item in x.Intersect(y))
                    Assert.IsLessThanOrEqualTo(1, Math.Abs(Array.IndexOf(x, item) - Array.IndexOf(y, item)), $"{what} line {i + 1}: {item} moved: {a[2]} / {b[2]}");
            }
            Assert.IsLessThanOrEqualTo(want.Length / 200, differing, $"{what}: lines that differ");
        }
    }

    [TestMethod]
    public void A_bad_line_is_reported_with_its_number_after_the_lines_before_it_are_answered()
    {
        string zip = ModelFixtureTests.ZipPath("sr");
        var rows = Input.Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(501).ToList();
        rows.Insert(301, "1\t2"); // line 302 of the input: two columns
        string input = string.Join('\n', rows) + "\n";
        var (expected, _) = Run(zip, bufferEvents: 1, input: string.Join('\n', rows.Take(301)) + "\n");
        foreach (int buffer in new[] { 1, 7, EventStream.DefaultBufferEvents })
        {
            using var recommender = ModelStore.Load(zip);
            var output = new StringWriter();
            var e = Assert.ThrowsExactly<UsageException>(() =>
                EventStream.Recommend(new StringReader(input), "events", recommender, 20, output, CancellationToken.None, bufferEvents: buffer));
            Assert.AreEqual("events:302: expected 3 columns, found 2.", e.Message);
            Assert.AreEqual(expected, output.ToString(), $"buffer {buffer}: the 300 events before the bad line are answered");
        }
        // A line the reader refuses (too long) is reported the same way, after the lines before it.
        rows[301] = new string('x', BoundedLineReader.DefaultMaxLineLength + 1);
        using (var recommender = ModelStore.Load(zip))
        {
            var output = new StringWriter();
            var e = Assert.ThrowsExactly<InvalidDataException>(() =>
                EventStream.Recommend(new StringReader(string.Join('\n', rows) + "\n"), "events", recommender, 20, output, CancellationToken.None));
            StringAssert.StartsWith(e.Message, "events:302: the line is longer than");
            Assert.AreEqual(expected, output.ToString(), "the 300 events before the long line are answered");
        }
    }
}
