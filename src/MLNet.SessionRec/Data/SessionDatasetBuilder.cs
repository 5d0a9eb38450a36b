namespace MLNet.SessionRec.Data;

/// <summary>
/// Collects events in any order and builds a <see cref="SessionDataset"/>: events sorted by time inside each
/// session (stable for ties), sessions sorted by first-event time (ties by first appearance).
/// </summary>
public sealed class SessionDatasetBuilder
{
    private readonly ItemVocabulary _vocabulary;
    private readonly bool _frozen;
    private readonly Dictionary<string, int> _sessionIndex = new(StringComparer.Ordinal);
    private readonly List<string> _sessionIds = new();
    private readonly List<int> _eventSession = new();
    private readonly List<int> _eventItem = new();
    private readonly List<double> _eventTime = new();
    private long _dropped;

    /// <summary>Creates a builder; with a vocabulary it is frozen (unknown items dropped and counted).</summary>
    public SessionDatasetBuilder(ItemVocabulary? vocabulary = null)
    {
        _frozen = vocabulary != null;
        _vocabulary = vocabulary ?? new ItemVocabulary();
    }

    /// <summary>Number of events added and kept.</summary>
    public int EventCount => _eventItem.Count;

    /// <summary>Adds one event.</summary>
    public void Add(string sessionId, string itemId, double time)
    {
        int item;
        if (_frozen)
        {
            if (!_vocabulary.TryGetIndex(itemId, out item)) { _dropped++; return; }
        }
        else item = _vocabulary.GetOrAdd(itemId);
        if (!_sessionIndex.TryGetValue(sessionId, out int session))
        {
            session = _sessionIds.Count;
            _sessionIndex.Add(sessionId, session);
            _sessionIds.Add(sessionId);
        }
        _eventSession.Add(session);
        _eventItem.Add(item);
        _eventTime.Add(time);
    }

    /// <summary>Builds the dataset.</summary>
    public SessionDataset Build()
    {
        int n = _eventItem.Count, sessions = _sessionIds.Count;
        // Order events by (session, time, arrival) with one stable sort on an index permutation.
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = _eventSession[a].CompareTo(_eventSession[b]);
            if (c != 0) return c;
            c = _eventTime[a].CompareTo(_eventTime[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        var startTime = new double[sessions];
        var length = new int[sessions];
        Array.Fill(startTime, double.PositiveInfinity);
        foreach (int e in order)
        {
            int s = _eventSession[e];
            length[s]++;
            if (_eventTime[e] < startTime[s]) startTime[s] = _eventTime[e];
        }
        var sessionOrder = new int[sessions];
        for (int i = 0; i < sessions; i++) sessionOrder[i] = i;
        Array.Sort(sessionOrder, (a, b) => { int c = startTime[a].CompareTo(startTime[b]); return c != 0 ? c : a.CompareTo(b); });
        var firstEvent = new int[sessions];
        for (int i = 1; i < sessions; i++) firstEvent[i] = firstEvent[i - 1] + length[i - 1];
        var offsets = new int[sessions + 1];
        var items = new int[n];
        var ids = new string[sessions];
        var starts = new double[sessions];
        for (int k = 0; k < sessions; k++)
        {
            int s = sessionOrder[k];
            offsets[k + 1] = offsets[k] + length[s];
            for (int j = 0; j < length[s]; j++)
            {
                int e = order[firstEvent[s] + j];
                items[offsets[k] + j] = _eventItem[e];
                if (!_frozen) _vocabulary.AddSupport(_eventItem[e]);
            }
            ids[k] = _sessionIds[s];
            starts[k] = startTime[s];
        }
        return new SessionDataset(_vocabulary, items, offsets, ids, starts, _dropped);
    }
}
