using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>
/// A subset of a <see cref="SessionEventTable"/>'s events (a mask), with the set operations of GRU4Rec's pandas
/// preprocessing: filter sessions by length, items by support, split sessions by time, keep items seen elsewhere.
/// Events keep file order and their original ids and times, so written files match the official script's output.
/// </summary>
internal sealed class EventSelection
{
    private readonly SessionEventTable _table;
    private readonly int[] _sessionOfRun;
    private readonly int _sessionCount;
    private readonly bool[] _keep;

    private EventSelection(SessionEventTable table, int[] sessionOfRun, int sessionCount, bool[] keep)
    {
        _table = table; _sessionOfRun = sessionOfRun; _sessionCount = sessionCount; _keep = keep;
    }

    /// <summary>All events of <paramref name="table"/>.</summary>
    public static EventSelection All(SessionEventTable table)
    {
        var (sessionOfRun, firstRuns) = table.Sessions.Group();
        table.ResolveBaseTimes(sessionOfRun, firstRuns.Length);
        var keep = new bool[table.Count];
        Array.Fill(keep, true);
        return new EventSelection(table, sessionOfRun, firstRuns.Length, keep);
    }

    private int SessionOf(int e) => _sessionOfRun[_table.Runs[e]];

    private EventSelection With(bool[] keep) => new(_table, _sessionOfRun, _sessionCount, keep);

    /// <summary>Keeps the sessions with at least <paramref name="minLength"/> selected events.</summary>
    public EventSelection KeepSessionsOfLength(int minLength)
    {
        var length = new int[_sessionCount];
        for (int e = 0; e < _keep.Length; e++) if (_keep[e]) length[SessionOf(e)]++;
        var keep = new bool[_keep.Length];
        for (int e = 0; e < _keep.Length; e++) keep[e] = _keep[e] && length[SessionOf(e)] >= minLength;
        return With(keep);
    }

    /// <summary>Keeps the events of items with at least <paramref name="minSupport"/> selected events.</summary>
    public EventSelection KeepItemsOfSupport(int minSupport)
    {
        var support = ItemSupport();
        var items = _table.Items;
        var keep = new bool[_keep.Length];
        for (int e = 0; e < _keep.Length; e++) keep[e] = _keep[e] && support[items[e]] >= minSupport;
        return With(keep);
    }

    /// <summary>Keeps the events whose item occurs in <paramref name="other"/>.</summary>
    public EventSelection KeepItemsIn(EventSelection other)
    {
        var support = other.ItemSupport();
        var items = _table.Items;
        var keep = new bool[_keep.Length];
        for (int e = 0; e < _keep.Length; e++) keep[e] = _keep[e] && support[items[e]] > 0;
        return With(keep);
    }

    /// <summary>
    /// Splits the sessions: test = those whose last (or first) selected event is at or after the latest selected
    /// event time minus <paramref name="seconds"/>; train = the rest.
    /// </summary>
    public (EventSelection Train, EventSelection Test) SplitByTime(double seconds, SessionTimeSplitBy by)
    {
        var times = _table.Times;
        var key = new double[_sessionCount];
        Array.Fill(key, by == SessionTimeSplitBy.SessionEnd ? double.NegativeInfinity : double.PositiveInfinity);
        double tmax = double.NegativeInfinity;
        for (int e = 0; e < _keep.Length; e++)
        {
            if (!_keep[e]) continue;
            int s = SessionOf(e);
            double t = times[e];
            tmax = Math.Max(tmax, t);
            key[s] = by == SessionTimeSplitBy.SessionEnd ? Math.Max(key[s], t) : Math.Min(key[s], t);
        }
        double threshold = tmax - seconds;
        var train = new bool[_keep.Length];
        var test = new bool[_keep.Length];
        for (int e = 0; e < _keep.Length; e++)
        {
            if (!_keep[e]) continue;
            if (key[SessionOf(e)] < threshold) train[e] = true; else test[e] = true;
        }
        return (With(train), With(test));
    }

    private int[] ItemSupport()
    {
        var support = new int[_table.ItemIds.Count];
        var items = _table.Items;
        for (int e = 0; e < _keep.Length; e++) if (_keep[e]) support[items[e]]++;
        return support;
    }

    /// <summary>Counts of the selection.</summary>
    public SessionFileSummary Summarize(string path)
    {
        var sessions = new bool[_sessionCount];
        var items = new bool[_table.ItemIds.Count];
        long events = 0;
        for (int e = 0; e < _keep.Length; e++)
        {
            if (!_keep[e]) continue;
            events++;
            sessions[SessionOf(e)] = true;
            items[_table.Items[e]] = true;
        }
        return new SessionFileSummary(path, events, sessions.Count(x => x), items.Count(x => x));
    }

    /// <summary>
    /// Writes the selected events in file order as TSV <c>SessionId ItemId Time</c>, atomically
    /// (<see cref="AtomicFile"/>): a failed or killed write leaves the previous file as it was.
    /// </summary>
    public SessionFileSummary Write(string path)
    {
        AtomicFile.Write(path, stream => WriteTsv(stream));
        return Summarize(path);
    }

    private void WriteTsv(Stream stream)
    {
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true))
        {
            writer.NewLine = "\n";
            writer.WriteLine("SessionId\tItemId\tTime");
            Span<char> number = stackalloc char[40];
            int lastRun = -1;
            string sessionId = "";
            for (int e = 0; e < _keep.Length; e++)
            {
                if (!_keep[e]) continue;
                int run = _table.Runs[e];
                if (run != lastRun) { sessionId = _table.Sessions.GetId(run); lastRun = run; }
                writer.Write(sessionId);
                writer.Write('\t');
                writer.Write(_table.ItemIds.GetId(_table.Items[e]));
                writer.Write('\t');
                writer.WriteLine(FormatTime(_table.Times[e], number));
            }
        }
    }

    /// <summary>Shortest round-trip text, with ".0" on whole numbers as pandas writes floats.</summary>
    internal static ReadOnlySpan<char> FormatTime(double time, Span<char> buffer)
    {
        time.TryFormat(buffer, out int written, "R", CultureInfo.InvariantCulture);
        if (buffer[..written].IndexOfAny('.', 'E') < 0) { buffer[written++] = '.'; buffer[written++] = '0'; }
        return buffer[..written];
    }
}

/// <summary>Size of a written (or selected) event table.</summary>
/// <param name="Path">The file written.</param>
/// <param name="Events">Number of events.</param>
/// <param name="Sessions">Number of distinct sessions.</param>
/// <param name="Items">Number of distinct items.</param>
public sealed record SessionFileSummary(string Path, long Events, int Sessions, int Items);

/// <summary>Which session time decides a time split.</summary>
public enum SessionTimeSplitBy
{
    /// <summary>A session is in the test part when its last event is in the last period (GRU4Rec's rule).</summary>
    SessionEnd,

    /// <summary>A session is in the test part when its first event is in the last period.</summary>
    SessionStart,
}
