namespace MLNet.SessionRec.Data;

/// <summary>
/// Events in arrival order as primitive columns (session run, item index, time): 16 bytes an event while loading,
/// no object per event. Turns into a <see cref="SessionDataset"/> or feeds the preprocessing filters.
/// </summary>
internal sealed class SessionEventTable
{
    private readonly ItemVocabulary? _frozen;
    private readonly ItemVocabulary _seen = new(); // item ids in arrival order when not frozen
    private int[] _run = new int[4096];
    private int[] _item = new int[4096];
    private double[] _time = new double[4096];
    private double[]? _baseTime; // only for "session's earliest base + offset" times

    public SessionEventTable(ItemVocabulary? frozen) => _frozen = frozen;

    public SessionIdRuns Sessions { get; } = new();

    public int Count { get; private set; }

    public long DroppedUnknownItemEvents { get; private set; }

    /// <summary>Item index of each event: in the frozen vocabulary, else in the vocabulary of items seen so far.</summary>
    public ReadOnlySpan<int> Items => _item.AsSpan(0, Count);

    /// <summary>Session run of each event (see <see cref="SessionIdRuns"/>).</summary>
    public ReadOnlySpan<int> Runs => _run.AsSpan(0, Count);

    /// <summary>Time of each event; call <see cref="ResolveBaseTimes"/> first when base times were given.</summary>
    public ReadOnlySpan<double> Times => _time.AsSpan(0, Count);

    /// <summary>The vocabulary the item indices refer to.</summary>
    public ItemVocabulary ItemIds => _frozen ?? _seen;

    public bool IsFrozen => _frozen != null;

    /// <summary>Adds one event; returns false when its item is unknown to a frozen vocabulary (dropped, counted).</summary>
    public bool Add(ReadOnlySpan<char> session, ReadOnlySpan<char> item, double time, double baseTime = double.NaN)
    {
        int index;
        if (_frozen != null)
        {
            if (!_frozen.TryGetIndex(item, out index)) { DroppedUnknownItemEvents++; return false; }
        }
        else index = _seen.GetOrAdd(item);
        if (Count == _item.Length) Grow();
        if (!double.IsNaN(baseTime))
        {
            if (_baseTime == null) { if (Count > 0) throw new InvalidOperationException("Base times must be given for all events or none."); _baseTime = new double[_item.Length]; }
            _baseTime[Count] = baseTime;
        }
        else if (_baseTime != null) throw new InvalidOperationException("Base times must be given for all events or none.");
        _run[Count] = Sessions.Continue(session);
        _item[Count] = index;
        _time[Count] = time;
        Count++;
        return true;
    }

    private void Grow()
    {
        int size = checked(_item.Length * 2);
        Array.Resize(ref _run, size);
        Array.Resize(ref _item, size);
        Array.Resize(ref _time, size);
        if (_baseTime != null) Array.Resize(ref _baseTime, size);
    }

    /// <summary>Event time = the session's earliest base time + the event's offset (when base times were given).</summary>
    public void ResolveBaseTimes(int[] sessionOfRun, int sessionCount)
    {
        if (_baseTime == null) return;
        var earliest = new double[sessionCount];
        Array.Fill(earliest, double.PositiveInfinity);
        for (int e = 0; e < Count; e++)
        {
            int s = sessionOfRun[_run[e]];
            if (_baseTime[e] < earliest[s]) earliest[s] = _baseTime[e];
        }
        for (int e = 0; e < Count; e++) _time[e] += earliest[sessionOfRun[_run[e]]];
        _baseTime = null;
    }

    /// <summary>
    /// Builds the store: events ordered by time inside each session (stable), sessions by first-event time (ties by
    /// first appearance), sessions shorter than <paramref name="minSessionLength"/> dropped and counted. A new
    /// vocabulary numbers items by first appearance in that order and counts their support.
    /// </summary>
    public SessionDataset ToDataset(int minSessionLength)
    {
        var (sessionOfRun, firstRunOfSession) = Sessions.Group();
        int sessions = firstRunOfSession.Length;
        ResolveBaseTimes(sessionOfRun, sessions);
        var length = new int[sessions];
        var start = new double[sessions];
        var end = new double[sessions];
        Array.Fill(start, double.PositiveInfinity);
        Array.Fill(end, double.NegativeInfinity);
        for (int e = 0; e < Count; e++)
        {
            int s = sessionOfRun[_run[e]];
            length[s]++;
            double t = _time[e];
            if (t < start[s]) start[s] = t;
            if (t > end[s]) end[s] = t;
        }
        var kept = new List<int>(sessions);
        for (int s = 0; s < sessions; s++) if (length[s] >= Math.Max(1, minSessionLength)) kept.Add(s);
        var order = SortByStart(kept, start);
        int[] slot = new int[sessions]; // position of each session in the dataset, -1 when dropped
        Array.Fill(slot, -1);
        var offsets = new int[order.Length + 1];
        for (int k = 0; k < order.Length; k++) { slot[order[k]] = k; offsets[k + 1] = offsets[k] + length[order[k]]; }
        // Counting sort of the events into their sessions keeps arrival order; then time order inside each session.
        var perm = new int[offsets[^1]];
        var cursor = offsets[..^1];
        for (int e = 0; e < Count; e++)
        {
            int k = slot[sessionOfRun[_run[e]]];
            if (k >= 0) perm[cursor[k]++] = e;
        }
        for (int k = 0; k < order.Length; k++) SortByTime(perm.AsSpan(offsets[k], offsets[k + 1] - offsets[k]));
        var items = new int[perm.Length];
        ItemVocabulary vocabulary;
        if (_frozen != null)
        {
            for (int i = 0; i < perm.Length; i++) items[i] = _item[perm[i]];
            vocabulary = _frozen;
        }
        else
        {
            var renumber = new int[_seen.Count];
            Array.Fill(renumber, -1);
            var ids = new List<string>();
            var support = new List<long>();
            for (int i = 0; i < perm.Length; i++)
            {
                int old = _item[perm[i]];
                if (renumber[old] < 0) { renumber[old] = ids.Count; ids.Add(_seen.GetId(old)); support.Add(0); }
                items[i] = renumber[old];
                support[items[i]]++;
            }
            vocabulary = ItemVocabulary.FromIds(ids, support);
        }
        var firstRuns = new int[order.Length];
        var starts = new double[order.Length];
        var ends = new double[order.Length];
        for (int k = 0; k < order.Length; k++) { firstRuns[k] = firstRunOfSession[order[k]]; starts[k] = start[order[k]]; ends[k] = end[order[k]]; }
        return new SessionDataset(vocabulary, items, offsets, Sessions.Select(firstRuns), starts, ends,
            DroppedUnknownItemEvents, sessions - order.Length);
    }

    private static int[] SortByStart(List<int> sessions, double[] start)
    {
        var order = sessions.ToArray();
        bool sorted = true;
        for (int k = 1; k < order.Length && sorted; k++) sorted = start[order[k - 1]] <= start[order[k]];
        if (sorted) return order; // already by start with ties in appearance order
        var keys = new TimeKey[order.Length];
        for (int k = 0; k < order.Length; k++) keys[k] = new TimeKey(start[order[k]], order[k]);
        Array.Sort(keys);
        for (int k = 0; k < order.Length; k++) order[k] = keys[k].Index;
        return order;
    }

    /// <summary>Stable sort of one session's event indices by time (events are in arrival order).</summary>
    private void SortByTime(Span<int> events)
    {
        int n = events.Length;
        int k = 1;
        while (k < n && _time[events[k - 1]] <= _time[events[k]]) k++;
        if (k >= n) return;
        if (n <= 32)
        {
            for (int i = k; i < n; i++)
            {
                int e = events[i];
                double t = _time[e];
                int j = i - 1;
                while (j >= 0 && _time[events[j]] > t) { events[j + 1] = events[j]; j--; }
                events[j + 1] = e;
            }
            return;
        }
        var keys = new TimeKey[n];
        for (int i = 0; i < n; i++) keys[i] = new TimeKey(_time[events[i]], events[i]);
        Array.Sort(keys); // arrival index breaks ties: stable
        for (int i = 0; i < n; i++) events[i] = keys[i].Index;
    }

    /// <summary>Sort key (time, then index) as a struct so that Array.Sort runs without delegates.</summary>
    private readonly record struct TimeKey(double Time, int Index) : IComparable<TimeKey>
    {
        public int CompareTo(TimeKey other)
        {
            int c = Time.CompareTo(other.Time);
            return c != 0 ? c : Index.CompareTo(other.Index);
        }
    }
}
