namespace MLNet.SessionRec.Data;

/// <summary>
/// Collects events in any order and builds a <see cref="SessionDataset"/>: events sorted by time inside each
/// session (stable for ties), sessions sorted by first-event time (ties by first appearance). Events are kept as
/// primitive columns (16 bytes each) until <see cref="Build"/>.
/// </summary>
public sealed class SessionDatasetBuilder
{
    private readonly SessionEventTable _table;

    /// <summary>Creates a builder; with a vocabulary it is frozen (unknown items dropped and counted).</summary>
    public SessionDatasetBuilder(ItemVocabulary? vocabulary = null) => _table = new SessionEventTable(vocabulary);

    /// <summary>Number of events added and kept.</summary>
    public int EventCount => _table.Count;

    /// <summary>Sessions shorter than this are skipped by <see cref="Build"/> and counted. Default 1 (keep all).</summary>
    public int MinSessionLength { get; set; } = 1;

    /// <summary>Adds one event (time in unix seconds).</summary>
    public void Add(string sessionId, string itemId, double time) => Add(sessionId.AsSpan(), itemId.AsSpan(), time);

    /// <summary>Adds one event given as characters (no string is kept per event).</summary>
    public void Add(ReadOnlySpan<char> sessionId, ReadOnlySpan<char> itemId, double time)
    {
        if (double.IsNaN(time)) throw new ArgumentException("The time is NaN.", nameof(time));
        _table.Add(sessionId, itemId, time);
    }

    /// <summary>Adds an event whose time is its session's earliest <paramref name="baseTime"/> plus <paramref name="offset"/>.</summary>
    internal bool AddWithSessionBase(ReadOnlySpan<char> sessionId, ReadOnlySpan<char> itemId, double baseTime, double offset) =>
        _table.Add(sessionId, itemId, offset, baseTime);

    internal bool AddRaw(ReadOnlySpan<char> sessionId, ReadOnlySpan<char> itemId, double time) => _table.Add(sessionId, itemId, time);

    /// <summary>Builds the dataset. A new vocabulary numbers items by first appearance in session order.</summary>
    public SessionDataset Build() => _table.ToDataset(MinSessionLength);
}
