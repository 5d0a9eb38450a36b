namespace MLNet.SessionRec.Data;

/// <summary>
/// Compact in-memory store of sessions: the events' dense item indices in one array, grouped by session
/// (CSR-like offsets), events ordered by time inside a session and sessions ordered by their first event's time.
/// </summary>
public sealed class SessionDataset
{
    internal SessionDataset(ItemVocabulary items, int[] itemIndices, int[] sessionOffsets, string[] sessionIds,
        double[] sessionStartTimes, long droppedUnknownItemEvents)
    {
        if (sessionOffsets.Length != sessionIds.Length + 1 || sessionStartTimes.Length != sessionIds.Length)
            throw new ArgumentException("Session arrays disagree in length.");
        Items = items;
        ItemIndices = itemIndices;
        SessionOffsets = sessionOffsets;
        SessionIds = sessionIds;
        SessionStartTimes = sessionStartTimes;
        DroppedUnknownItemEvents = droppedUnknownItemEvents;
    }

    /// <summary>The item vocabulary (shared with the training set when this is a test set).</summary>
    public ItemVocabulary Items { get; }

    /// <summary>Item index of every event, session after session.</summary>
    internal int[] ItemIndices { get; }

    /// <summary>Start of each session in <see cref="ItemIndices"/>; one more entry than sessions.</summary>
    internal int[] SessionOffsets { get; }

    /// <summary>The original session ids, in dataset order.</summary>
    public IReadOnlyList<string> SessionIds { get; }

    /// <summary>Time of each session's first event (seconds, as read).</summary>
    internal double[] SessionStartTimes { get; }

    /// <summary>Events dropped on load because their item is not in the given (training) vocabulary.</summary>
    public long DroppedUnknownItemEvents { get; }

    /// <summary>Number of sessions.</summary>
    public int SessionCount => SessionOffsets.Length - 1;

    /// <summary>Number of events.</summary>
    public int EventCount => SessionOffsets[^1];

    /// <summary>The dense item indices of session <paramref name="session"/>, in time order.</summary>
    public ReadOnlySpan<int> GetSession(int session) =>
        ItemIndices.AsSpan(SessionOffsets[session], SessionOffsets[session + 1] - SessionOffsets[session]);

    /// <summary>Length of session <paramref name="session"/>.</summary>
    public int GetSessionLength(int session) => SessionOffsets[session + 1] - SessionOffsets[session];
}
