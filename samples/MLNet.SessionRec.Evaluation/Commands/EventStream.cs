namespace MLNet.SessionRec.EvaluationApp.Commands;

using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>
/// Reads events line by line (header with SessionId and ItemId) and answers each through its session's state. Events
/// are answered in buffers, wave by wave: the j-th event of each session in the buffer goes into wave j, whose items
/// the model observes in one batch and whose lists it computes in one batch; the lines are then written in input order.
/// </summary>
internal static class EventStream
{
    /// <summary>
    /// Live model states kept at most; older sessions keep only their item history (see <see cref="LiveSessions"/>).
    /// A state is small (a GRU4Rec state is a few hundred bytes), and every session of a buffer must be live.
    /// </summary>
    public const int DefaultMaxLiveSessions = 100_000;

    /// <summary>Events answered together at most (fewer when the input pauses or a buffer would need more live sessions).</summary>
    public const int DefaultBufferEvents = 16_384;

    /// <summary>
    /// Writes one TSV line per event; returns the number of events with unknown items. Lines are read with a bounded
    /// length (<see cref="BoundedLineReader"/>), a leading BOM is skipped (also on stdin), and a wait for input ends
    /// when <paramref name="cancellation"/> fires. See <see cref="RecommendAsync"/> for <paramref name="answerBeforeWaiting"/>.
    /// </summary>
    public static long Recommend(TextReader reader, string name, ILoadedRecommender recommender, int top, TextWriter output,
        CancellationToken cancellation, int maxLiveSessions = DefaultMaxLiveSessions, int bufferEvents = DefaultBufferEvents,
        bool answerBeforeWaiting = false) =>
        RecommendAsync(new BoundedLineReader(reader, name, leaveOpen: true), recommender, top, output, cancellation, maxLiveSessions, bufferEvents, answerBeforeWaiting)
            .GetAwaiter().GetResult();

    /// <summary>
    /// Writes one TSV line per event read from <paramref name="lines"/>; returns the number of events with unknown
    /// items. With <paramref name="answerBeforeWaiting"/> (standard input, a person typing) the buffered events are
    /// answered whenever the next line is not there yet; a file (false) fills whole buffers.
    /// </summary>
    public static async Task<long> RecommendAsync(BoundedLineReader lines, ILoadedRecommender recommender, int top, TextWriter output,
        CancellationToken cancellation, int maxLiveSessions = DefaultMaxLiveSessions, int bufferEvents = DefaultBufferEvents,
        bool answerBeforeWaiting = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferEvents, 1);
        string name = lines.Name;
        string header = await lines.ReadLineAsync(cancellation) ?? throw new UsageException($"{name}: the input is empty (no header line).");
        char separator = header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : '\t';
        string[] columns = header.Split(separator);
        int sessionCol = Column(columns, "SessionId", name), itemCol = Column(columns, "ItemId", name);
        using var sessions = new LiveSessions(recommender, maxLiveSessions);
        var buffer = new List<(string Session, string Item)>(Math.Min(bufferEvents, DefaultBufferEvents));
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        long unknown = 0;
        // Answers the buffered events (also before an error is reported, so every line before a bad one is answered).
        void Answer()
        {
            if (buffer.Count == 0) return;
            unknown += sessions.Answer(buffer, top, output);
            buffer.Clear();
            distinct.Clear();
        }
        while (true)
        {
            var next = lines.ReadLineAsync(cancellation);
            if (answerBeforeWaiting && !next.IsCompleted && buffer.Count > 0)
            {
                Answer();
                output.Flush();
            }
            string? line;
            try { line = await next; }
            catch (Exception) when (!cancellation.IsCancellationRequested)
            {
                Answer();
                throw;
            }
            if (line == null) break;
            if (line.Length == 0) continue;
            cancellation.ThrowIfCancellationRequested();
            string[] fields = line.Split(separator);
            if (fields.Length != columns.Length)
            {
                Answer();
                throw new UsageException($"{name}:{lines.LineNumber}: expected {columns.Length} columns, found {fields.Length}.");
            }
            string session = fields[sessionCol];
            // Every session of a buffer holds a live state while the buffer is answered.
            if (!distinct.Contains(session) && distinct.Count >= sessions.MaxLive) Answer();
            distinct.Add(session);
            buffer.Add((session, fields[itemCol]));
            if (buffer.Count >= bufferEvents) Answer();
        }
        Answer();
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
    /// Sessions of an unbounded stream, whose ends are unknown: the most recently used ones keep a live model state,
    /// the others only their known items; a session that comes back after eviction gets a fresh state and its items
    /// replayed, so the answers are the same as with unlimited states.
    /// </summary>
    internal sealed class LiveSessions(ILoadedRecommender recommender, int maxLive) : IDisposable
    {
        private sealed class Entry
        {
            public IRecommenderSession? State;
            public readonly List<string> KnownItems = [];
            public int Position = -1;
            public LinkedListNode<Entry>? Node;
            public int Seen; // events of this entry in the buffer being answered
        }

        private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
        private readonly LinkedList<Entry> _live = new(); // most recent first

        /// <summary>Live states kept at most: the most distinct sessions one buffer may hold.</summary>
        public int MaxLive { get; } = Math.Max(1, maxLive);

        /// <summary>Sessions that currently hold a model state.</summary>
        public int LiveCount => _live.Count;

        /// <summary>
        /// Answers <paramref name="events"/> (at most <see cref="MaxLive"/> distinct sessions) in waves and writes their
        /// lines in order; returns the number of events with unknown items.
        /// </summary>
        public long Answer(IReadOnlyList<(string Session, string Item)> events, int top, TextWriter output)
        {
            var entries = new Entry[events.Count];
            var waves = new List<List<int>>();
            var fresh = new List<Entry>();
            for (int i = 0; i < events.Count; i++)
            {
                if (!_sessions.TryGetValue(events[i].Session, out var entry)) _sessions[events[i].Session] = entry = new Entry();
                entries[i] = entry;
                if (entry.Seen == 0)
                {
                    if (entry.State != null) Touch(entry);
                    else fresh.Add(entry);
                }
                int wave = entry.Seen++;
                if (wave == waves.Count) waves.Add([]);
                waves[wave].Add(i);
            }
            if (waves.Count > 0 && waves[0].Count > MaxLive) throw new InvalidOperationException($"A buffer holds more than {MaxLive} sessions.");
            // The buffer's live sessions are now at the front, so eviction from the back never takes one of them.
            Activate(fresh);
            var positions = new int[events.Count];
            var lists = new IReadOnlyList<string>[events.Count];
            long unknown = 0;
            foreach (var wave in waves)
            {
                var states = wave.Select(i => entries[i].State!).ToArray();
                var known = recommender.ObserveMany(states, wave.Select(i => events[i].Item).ToArray());
                var tops = recommender.TopMany(states, top);
                for (int r = 0; r < wave.Count; r++)
                {
                    var entry = entries[wave[r]];
                    if (known[r]) entry.KnownItems.Add(events[wave[r]].Item);
                    else unknown++;
                    positions[wave[r]] = ++entry.Position;
                    lists[wave[r]] = tops[r];
                }
            }
            for (int i = 0; i < events.Count; i++)
            {
                entries[i].Seen = 0;
                Touch(entries[i]); // most recent use last, as one event at a time would leave them
                output.Write(Quote(events[i].Session));
                output.Write('\t');
                output.Write(positions[i]);
                output.Write('\t');
                output.WriteLine(string.Join(",", lists[i].Select(Quote)));
            }
            return unknown;
        }

        private void Touch(Entry entry)
        {
            if (ReferenceEquals(_live.First, entry.Node)) return;
            _live.Remove(entry.Node!);
            _live.AddFirst(entry.Node!);
        }

        // Gives the entries fresh states (evicting the least recently used) and replays their known items in one batch.
        private void Activate(List<Entry> fresh)
        {
            var replay = new List<IRecommenderSession>();
            var items = new List<string>();
            foreach (var entry in fresh)
            {
                if (_live.Count >= MaxLive)
                {
                    var oldest = _live.Last!.Value;
                    _live.RemoveLast();
                    oldest.State!.Dispose();
                    oldest.State = null;
                    oldest.Node = null;
                }
                entry.State = recommender.StartSession();
                entry.Node = _live.AddFirst(entry);
                foreach (string known in entry.KnownItems)
                {
                    replay.Add(entry.State);
                    items.Add(known);
                }
            }
            if (replay.Count > 0) recommender.ObserveMany(replay, items);
        }

        public void Dispose()
        {
            foreach (var entry in _live) entry.State?.Dispose();
            _live.Clear();
        }
    }
}
