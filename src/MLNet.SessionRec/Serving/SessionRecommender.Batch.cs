namespace MLNet.SessionRec;

// Lists for many sessions in one pass over the catalog. Scoring a list reads the whole item matrix (60k items × 100
// units = 24 MB); one product for many sessions reads it once for all of them, which is what makes bulk
// recommendation (a file of events, a batch of requests) fast on a CPU, where a single list is bound by memory.
public sealed partial class SessionRecommender
{
    /// <summary>Sessions scored together in one product with the item matrix.</summary>
    internal const int BatchSlots = 256;

    /// <summary>
    /// The current top-k of each of <paramref name="sessions"/> (sessions of this recommender), in order: the same
    /// lists as <see cref="RecommendationSession.Recommend"/> of each, computed together (one product of their states
    /// with the item matrix per <c>256</c> sessions). Empty sessions get the cold-start list. Thread-safe; each session
    /// is read under its lock.
    /// </summary>
    /// <exception cref="ArgumentException">A session belongs to another recommender.</exception>
    /// <exception cref="ObjectDisposedException">This recommender or one of the sessions is disposed.</exception>
    public IReadOnlyList<RecommendedItem>[] RecommendMany(IReadOnlyList<RecommendationSession> sessions, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        using var call = EnterCall();
        int k = ListLength(topK);
        var lists = new IReadOnlyList<RecommendedItem>[sessions.Count];
        var states = new byte[]?[sessions.Count];
        for (int i = 0; i < sessions.Count; i++)
        {
            var session = sessions[i] ?? throw new ArgumentNullException(nameof(sessions), $"Session {i} is null.");
            if (!ReferenceEquals(session.Owner, this)) throw new ArgumentException($"Session {i} belongs to another recommender.", nameof(sessions));
            states[i] = session.ScoringState();
            if (states[i] is null) lists[i] = ColdStartList(k);
        }
        var rows = Enumerable.Range(0, sessions.Count).Where(i => states[i] is not null).ToArray();
        for (int start = 0; start < rows.Length; start += BatchSlots)
        {
            int count = Math.Min(BatchSlots, rows.Length - start);
            using var scorer = Model.CreateScorer(count);
            var slots = new int[count];
            for (int r = 0; r < count; r++)
            {
                slots[r] = r;
                using var reader = new BinaryReader(new MemoryStream(states[rows[start + r]]!, writable: false));
                scorer.ReadState(r, reader);
            }
            var items = new int[count * k];
            var scores = new float[count * k];
            var counts = new int[count];
            scorer.TopK(slots, k, null, items, scores, counts);
            for (int r = 0; r < count; r++)
                lists[rows[start + r]] = ToList(items.AsSpan(r * k, k), scores.AsSpan(r * k, k), counts[r]);
        }
        return lists;
    }
}

public sealed partial class RecommendationSession
{
    /// <summary>The recommender this session belongs to.</summary>
    internal SessionRecommender Owner => _owner;

    /// <summary>The model's state of this session for scoring, or null while the session is empty (read under the lock).</summary>
    internal byte[]? ScoringState()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Length == 0 ? null : _state;
        }
    }
}
