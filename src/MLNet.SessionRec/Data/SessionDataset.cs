namespace MLNet.SessionRec.Data;

/// <summary>
/// Compact in-memory store of sessions: the events' dense item indices in one array, grouped by session
/// (CSR-like offsets), events ordered by time inside a session and sessions ordered by their first event's time.
/// About 4 bytes per event plus 24 per session (offset, start and end time, numeric id).
/// </summary>
public sealed class SessionDataset
{
    internal SessionDataset(ItemVocabulary items, int[] itemIndices, int[] sessionOffsets, IReadOnlyList<string> sessionIds,
        double[] sessionStartTimes, double[] sessionEndTimes, long droppedUnknownItemEvents, long droppedShortSessions)
    {
        if (sessionOffsets.Length != sessionIds.Count + 1 || sessionStartTimes.Length != sessionIds.Count
            || sessionEndTimes.Length != sessionIds.Count || sessionOffsets[^1] != itemIndices.Length)
            throw new ArgumentException("Session arrays disagree in length.");
        Items = items;
        ItemIndices = itemIndices;
        SessionOffsets = sessionOffsets;
        SessionIds = sessionIds;
        SessionStartTimes = sessionStartTimes;
        SessionEndTimes = sessionEndTimes;
        DroppedUnknownItemEvents = droppedUnknownItemEvents;
        DroppedShortSessions = droppedShortSessions;
    }

    /// <summary>The item vocabulary (shared with the training set when this is a test set).</summary>
    public ItemVocabulary Items { get; }

    /// <summary>Item index of every event, session after session.</summary>
    internal int[] ItemIndices { get; }

    /// <summary>Start of each session in <see cref="ItemIndices"/>; one more entry than sessions.</summary>
    internal int[] SessionOffsets { get; }

    /// <summary>The original session ids, in dataset order (stored compactly, as text on access).</summary>
    public IReadOnlyList<string> SessionIds { get; }

    /// <summary>Time of each session's first event (unix seconds).</summary>
    internal double[] SessionStartTimes { get; }

    /// <summary>Time of each session's last event (unix seconds).</summary>
    internal double[] SessionEndTimes { get; }

    /// <summary>Events dropped on load because their item is not in the given (training) vocabulary.</summary>
    public long DroppedUnknownItemEvents { get; }

    /// <summary>Sessions skipped on load as shorter than <see cref="SessionFileOptions.MinSessionLength"/>.</summary>
    public long DroppedShortSessions { get; }

    /// <summary>Number of sessions.</summary>
    public int SessionCount => SessionOffsets.Length - 1;

    /// <summary>Number of events.</summary>
    public int EventCount => SessionOffsets[^1];

    /// <summary>The dense item indices of session <paramref name="session"/>, in time order.</summary>
    public ReadOnlySpan<int> GetSession(int session) =>
        ItemIndices.AsSpan(SessionOffsets[session], SessionOffsets[session + 1] - SessionOffsets[session]);

    /// <summary>Length of session <paramref name="session"/>.</summary>
    public int GetSessionLength(int session) => SessionOffsets[session + 1] - SessionOffsets[session];

    /// <summary>Time of the first event of session <paramref name="session"/> (unix seconds).</summary>
    public double GetSessionStartTime(int session) => SessionStartTimes[session];

    /// <summary>Time of the last event of session <paramref name="session"/> (unix seconds).</summary>
    public double GetSessionEndTime(int session) => SessionEndTimes[session];

    /// <summary>Bytes held by this store's arrays (item indices, offsets, times, session ids; not the vocabulary).</summary>
    public long StorageBytes =>
        4L * ItemIndices.Length + 4L * SessionOffsets.Length + 8L * SessionStartTimes.Length + 8L * SessionEndTimes.Length
        + (SessionIds is SessionIdList compact ? compact.StorageBytes : SessionIds.Sum(s => 30L + 2L * s.Length));
}
