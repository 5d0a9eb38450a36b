using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// The training sessions of the session-kNN family (S-KNN, V-SKNN, S-SKNN, STAN, V-STAN), indexed for neighbour
/// lookup: each session's events in time order, its distinct items, its time (that of its last event, session-rec's
/// <c>session_time</c>) and, per item, the sessions that contain it from the most to the least recent. Sessions are
/// numbered by recency: 0 is the session whose last event is the latest; equal times put the session that comes
/// later in the dataset (later first event) first. Training is building this index; nothing else is precomputed.
/// </summary>
internal sealed class SessionNeighborhoodIndex
{
    private readonly int[] _eventOffsets;    // session -> start in _events
    private readonly int[] _events;          // item of every event, session after session, time order
    private readonly int[] _distinctOffsets; // session -> start in _distinct
    private readonly int[] _distinct;        // distinct items of every session, ascending
    private readonly double[] _times;        // time of each session's last event, non-increasing
    private readonly int[] _postingOffsets;  // item -> start in _postings
    private readonly int[] _postings;        // sessions containing each item, ascending (most recent first)
    private readonly double[] _idf;          // ln(sessions / events of the item)

    private SessionNeighborhoodIndex(int itemCount, double[] times, int[] eventOffsets, int[] events)
    {
        ItemCount = itemCount;
        _times = times;
        _eventOffsets = eventOffsets;
        _events = events;
        int sessions = times.Length;

        var eventCounts = new long[itemCount];
        foreach (int item in events) eventCounts[item]++;
        _idf = new double[itemCount];
        for (int i = 0; i < itemCount; i++) _idf[i] = eventCounts[i] == 0 ? 0 : Math.Log(sessions / (double)eventCounts[i]);

        // Distinct items per session, then the postings from them (sessions visited in recency order, so each
        // item's list comes out ascending).
        _distinctOffsets = new int[sessions + 1];
        var distinct = new List<int>(events.Length);
        var seen = new int[itemCount];
        var postingCounts = new int[itemCount + 1];
        for (int s = 0; s < sessions; s++)
        {
            int start = distinct.Count;
            for (int e = eventOffsets[s]; e < eventOffsets[s + 1]; e++)
            {
                int item = events[e];
                if (seen[item] == s + 1) continue;
                seen[item] = s + 1;
                distinct.Add(item);
                postingCounts[item + 1]++;
            }
            distinct.Sort(start, distinct.Count - start, null);
            _distinctOffsets[s + 1] = distinct.Count;
        }
        _distinct = distinct.ToArray();
        for (int i = 0; i < itemCount; i++) postingCounts[i + 1] += postingCounts[i];
        _postingOffsets = postingCounts;
        _postings = new int[_distinct.Length];
        var fill = _postingOffsets[..^1].ToArray();
        for (int s = 0; s < sessions; s++)
            foreach (int item in Distinct(s)) _postings[fill[item]++] = s;
    }

    /// <summary>Number of items (the model's vocabulary).</summary>
    public int ItemCount { get; }

    /// <summary>Number of training sessions.</summary>
    public int SessionCount => _times.Length;

    /// <summary>Number of training events.</summary>
    public int EventCount => _events.Length;

    /// <summary>Items of the events of session <paramref name="session"/> (by recency rank), in time order.</summary>
    public ReadOnlySpan<int> Events(int session) => _events.AsSpan(_eventOffsets[session], _eventOffsets[session + 1] - _eventOffsets[session]);

    /// <summary>Distinct items of session <paramref name="session"/>, ascending.</summary>
    public ReadOnlySpan<int> Distinct(int session) => _distinct.AsSpan(_distinctOffsets[session], _distinctOffsets[session + 1] - _distinctOffsets[session]);

    /// <summary>Time (unix seconds) of the last event of session <paramref name="session"/>.</summary>
    public double Time(int session) => _times[session];

    /// <summary>The sessions containing <paramref name="item"/>, most recent first.</summary>
    public ReadOnlySpan<int> SessionsOf(int item) => _postings.AsSpan(_postingOffsets[item], _postingOffsets[item + 1] - _postingOffsets[item]);

    /// <summary>session-rec's IDF of an item: <c>ln(training sessions / training events of the item)</c> (0 for an item without events).</summary>
    public double Idf(int item) => _idf[item];

    /// <summary>Indexes the sessions of <paramref name="train"/> (empty sessions are skipped).</summary>
    public static SessionNeighborhoodIndex Build(SessionDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var order = Enumerable.Range(0, train.SessionCount).Where(s => train.GetSessionLength(s) > 0).ToArray();
        // Most recent last event first; equal times: the later session of the dataset first.
        Array.Sort(order, (a, b) =>
        {
            int c = train.GetSessionEndTime(b).CompareTo(train.GetSessionEndTime(a));
            return c != 0 ? c : b.CompareTo(a);
        });
        var times = new double[order.Length];
        var offsets = new int[order.Length + 1];
        var events = new int[order.Sum(train.GetSessionLength)];
        for (int r = 0; r < order.Length; r++)
        {
            times[r] = train.GetSessionEndTime(order[r]);
            var session = train.GetSession(order[r]);
            session.CopyTo(events.AsSpan(offsets[r]));
            offsets[r + 1] = offsets[r] + session.Length;
        }
        return new SessionNeighborhoodIndex(train.Items.Count, times, offsets, events);
    }

    /// <summary>
    /// session-rec's sampling with <c>sampling='recent'</c>: the union of the sessions containing any of
    /// <paramref name="items"/> (the current session's distinct items), and of it only the
    /// <paramref name="sampleSize"/> most recent when it is larger (0 keeps the whole union). Writes the sessions into
    /// <paramref name="output"/> most recent first. Merges the items' recency-ordered lists and stops after
    /// <paramref name="sampleSize"/> sessions, so the cost does not grow with the items' popularity beyond that.
    /// </summary>
    public void Sample(ReadOnlySpan<int> items, int sampleSize, List<int> output, ref int[] heap, ref int[] cursor)
    {
        output.Clear();
        int limit = sampleSize == 0 ? int.MaxValue : sampleSize;
        if (heap.Length < items.Length) { heap = new int[items.Length]; cursor = new int[items.Length]; }
        // Min-heap of list indices keyed by the list's current session; cursor[j] = position in list j.
        int size = 0;
        for (int j = 0; j < items.Length; j++)
        {
            cursor[j] = _postingOffsets[items[j]];
            if (cursor[j] < _postingOffsets[items[j] + 1]) Push(heap, ref size, j, cursor);
        }
        while (size > 0 && output.Count < limit)
        {
            int j = heap[0];
            int session = _postings[cursor[j]];
            if (output.Count == 0 || output[^1] != session) output.Add(session); // duplicates arrive together
            if (++cursor[j] < _postingOffsets[items[j] + 1]) SiftDown(heap, size, 0, cursor);
            else
            {
                heap[0] = heap[--size];
                SiftDown(heap, size, 0, cursor);
            }
        }
    }

    private void Push(int[] heap, ref int size, int list, int[] cursor)
    {
        int i = size++;
        heap[i] = list;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_postings[cursor[heap[parent]]] <= _postings[cursor[heap[i]]]) break;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private void SiftDown(int[] heap, int size, int i, int[] cursor)
    {
        while (true)
        {
            int left = 2 * i + 1, smallest = i;
            if (left < size && _postings[cursor[heap[left]]] < _postings[cursor[heap[smallest]]]) smallest = left;
            if (left + 1 < size && _postings[cursor[heap[left + 1]]] < _postings[cursor[heap[smallest]]]) smallest = left + 1;
            if (smallest == i) return;
            (heap[smallest], heap[i]) = (heap[i], heap[smallest]);
            i = smallest;
        }
    }

    /// <summary>Writes the sessions (count, events, then per session its time and length, then the events' items).</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(SessionCount);
        writer.Write(EventCount);
        for (int s = 0; s < SessionCount; s++)
        {
            writer.Write(_times[s]);
            writer.Write(_eventOffsets[s + 1] - _eventOffsets[s]);
        }
        foreach (int item in _events) writer.Write(item);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; throws <see cref="InvalidDataException"/> on inconsistent data.</summary>
    public static SessionNeighborhoodIndex Read(BinaryReader reader, int itemCount)
    {
        int sessions = reader.ReadInt32(), eventCount = reader.ReadInt32();
        if (sessions < 0) throw ModelBinary.Invalid($"Invalid session count {sessions} in the session-kNN index.");
        if (eventCount < sessions) throw ModelBinary.Invalid($"Invalid event count {eventCount} for {sessions} sessions in the session-kNN index.");
        // per session a float64 time and an int32 length, then the events (int32)
        ModelBinary.CheckFits(reader, 3L * sessions + eventCount, sizeof(int), "the session-kNN index's size (in int32)", long.MaxValue);
        var times = new double[sessions];
        var offsets = new int[sessions + 1];
        for (int s = 0; s < sessions; s++)
        {
            times[s] = reader.ReadDouble();
            if (!double.IsFinite(times[s])) throw ModelBinary.Invalid($"Session {s} of the session-kNN index has time {times[s]}.");
            if (s > 0 && times[s] > times[s - 1]) throw ModelBinary.Invalid("The sessions of the session-kNN index are not ordered from the most recent.");
            int length = reader.ReadInt32();
            if (length < 1 || length > eventCount - offsets[s]) throw ModelBinary.Invalid($"Session {s} of the session-kNN index has invalid length {length}.");
            offsets[s + 1] = offsets[s] + length;
        }
        if (offsets[sessions] != eventCount) throw ModelBinary.Invalid($"The session lengths of the session-kNN index sum to {offsets[sessions]}, not {eventCount}.");
        var events = new int[eventCount];
        for (int e = 0; e < eventCount; e++)
        {
            events[e] = reader.ReadInt32();
            if ((uint)events[e] >= (uint)itemCount) throw ModelBinary.Invalid($"Item index {events[e]} of the session-kNN index is outside the vocabulary of {itemCount}.");
        }
        return new SessionNeighborhoodIndex(itemCount, times, offsets, events);
    }
}
