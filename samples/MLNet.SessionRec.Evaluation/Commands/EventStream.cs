namespace MLNet.SessionRec.EvaluationApp.Commands;

using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Reads events line by line (header with SessionId and ItemId) and answers each through its session's state.</summary>
internal static class EventStream
{
    /// <summary>Live model states kept at most; older sessions keep only their item history (see <see cref="LiveSessions"/>).</summary>
    public const int DefaultMaxLiveSessions = 1024;

    /// <summary>
    /// Writes one TSV line per event; returns the number of events with unknown items. Lines are read with a bounded
    /// length (<see cref="BoundedLineReader"/>), a leading BOM is skipped (also on stdin), and a wait for input ends
    /// when <paramref name="cancellation"/> fires.
    /// </summary>
    public static long Recommend(TextReader reader, string name, ILoadedRecommender recommender, int top, TextWriter output,
        CancellationToken cancellation, int maxLiveSessions = DefaultMaxLiveSessions) =>
        RecommendAsync(new BoundedLineReader(reader, name, leaveOpen: true), recommender, top, output, cancellation, maxLiveSessions)
            .GetAwaiter().GetResult();

    /// <summary>Writes one TSV line per event read from <paramref name="lines"/>; returns the number of events with unknown items.</summary>
    public static async Task<long> RecommendAsync(BoundedLineReader lines, ILoadedRecommender recommender, int top, TextWriter output,
        CancellationToken cancellation, int maxLiveSessions = DefaultMaxLiveSessions)
    {
        string name = lines.Name;
        string header = await lines.ReadLineAsync(cancellation) ?? throw new UsageException($"{name}: the input is empty (no header line).");
        char separator = header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : '\t';
        string[] columns = header.Split(separator);
        int sessionCol = Column(columns, "SessionId", name), itemCol = Column(columns, "ItemId", name);
        using var sessions = new LiveSessions(recommender, maxLiveSessions);
        long unknown = 0;
        string? line;
        while ((line = await lines.ReadLineAsync(cancellation)) != null)
        {
            if (line.Length == 0) continue;
            cancellation.ThrowIfCancellationRequested();
            string[] fields = line.Split(separator);
            if (fields.Length != columns.Length)
                throw new UsageException($"{name}:{lines.LineNumber}: expected {columns.Length} columns, found {fields.Length}.");
            string session = fields[sessionCol];
            var (state, position, known) = sessions.Observe(session, fields[itemCol]);
            if (!known) unknown++;
            output.Write(Quote(session));
            output.Write('\t');
            output.Write(position);
            output.Write('\t');
            output.WriteLine(string.Join(",", state.Top(top).Select(Quote)));
        }
        output.Flush();
        return unknown;
    }

    /// <summary>
    /// One field of recommend's output, CSV-style: an id containing a comma, a TAB, a double quote, CR or LF is
    /// enclosed in double quotes, with its double quotes doubled; any other id is written as it is.
    /// </summary>
    public static string Quote(string id) =>
        id.AsSpan().IndexOfAny(",\t\"\r\n") < 0 ? id : "\"" + id.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int Column(string[] columns, string wanted, string name)
    {
        int index = Array.IndexOf(columns, wanted);
        return index >= 0 ? index : throw new UsageException($"{name}: column '{wanted}' not found in header ({string.Join(", ", columns)}).");
    }

    /// <summary>
    /// Sessions of an unbounded stream, whose ends are unknown: the most recently used ones keep a live model state
    /// (which holds a score row over all items), the others only their known items; a session that comes back after
    /// eviction gets a fresh state and its items replayed, so the answers are the same as with unlimited states.
    /// </summary>
    internal sealed class LiveSessions(ILoadedRecommender recommender, int maxLive) : IDisposable
    {
        private sealed class Entry
        {
            public IRecommenderSession? State;
            public readonly List<string> KnownItems = [];
            public int Position = -1;
            public LinkedListNode<Entry>? Node;
        }

        private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
        private readonly LinkedList<Entry> _live = new(); // most recent first

        /// <summary>Sessions that currently hold a model state.</summary>
        public int LiveCount => _live.Count;

        /// <summary>Observes <paramref name="item"/> in <paramref name="session"/>; returns its state, the event's 0-based position and whether the item is known.</summary>
        public (IRecommenderSession State, int Position, bool Known) Observe(string session, string item)
        {
            if (!_sessions.TryGetValue(session, out var entry)) _sessions[session] = entry = new Entry();
            var state = Activate(entry);
            bool known = state.Observe(item);
            if (known) entry.KnownItems.Add(item);
            entry.Position++;
            return (state, entry.Position, known);
        }

        private IRecommenderSession Activate(Entry entry)
        {
            if (entry.State != null)
            {
                _live.Remove(entry.Node!);
                _live.AddFirst(entry.Node!);
                return entry.State;
            }
            if (_live.Count >= Math.Max(1, maxLive))
            {
                var oldest = _live.Last!.Value;
                _live.RemoveLast();
                oldest.State!.Dispose();
                oldest.State = null;
                oldest.Node = null;
            }
            entry.State = recommender.StartSession();
            foreach (string known in entry.KnownItems) entry.State.Observe(known);
            entry.Node = _live.AddFirst(entry);
            return entry.State;
        }

        public void Dispose()
        {
            foreach (var entry in _live) entry.State?.Dispose();
            _live.Clear();
        }
    }
}
