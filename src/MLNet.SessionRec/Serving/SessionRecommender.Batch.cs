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
    /// with the item matrix per <c>256</c> sessions, spread over the cores by the scorer). Empty sessions get the
    /// cold-start list. Thread-safe; each session
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
        // One scorer per BatchSlots rows: the scorer spreads each product over the cores itself (GRU4Rec's CPU pass splits
        // the catalog between threads; a row scorer scores its rows in parallel).
        for (int start = 0; start < rows.Length; start += BatchSlots)
        {
            int count = Math.Min(BatchSlots, rows.Length - start);
            using var scorer = Model.CreateScorer(count);
            var slots = new int[count];
            for (int r = 0; r < count; r++)
            {
                slots[r] = r;
                RecommendationSession.PutState(scorer, r, states[rows[start + r]]);
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

    /// <summary>
    /// Observes <c>itemIds[i]</c> in <c>sessions[i]</c> for every i in order: exactly the effect of
    /// <see cref="RecommendationSession.Add"/> of each pair in turn (a session may appear several times; its events
    /// apply in order), computed in waves: the j-th known item of every session goes into wave j, and each wave
    /// advances up to <c>256</c> sessions in one step of the model. Returns, per entry, whether the model knows the
    /// item (an unknown one is ignored and counted in <see cref="RecommendationSession.IgnoredItems"/>). A state that
    /// comes from a matrix product (GRU4Rec's) may differ from the one-by-one Adds in its last bits, as a product of
    /// many rows rounds differently from a product of one (see <see cref="RecommendMany"/>). Thread-safe:
    /// every session's lock is held for the whole call, so nothing else reads or moves those states meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a session belongs to another recommender.</exception>
    /// <exception cref="ObjectDisposedException">This recommender or one of the sessions is disposed (then no session changes).</exception>
    public bool[] AddMany(IReadOnlyList<RecommendationSession> sessions, IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(itemIds);
        if (sessions.Count != itemIds.Count)
            throw new ArgumentException($"AddMany needs one item id per session entry: {sessions.Count} sessions, {itemIds.Count} item ids.", nameof(itemIds));
        int n = sessions.Count;
        for (int i = 0; i < n; i++)
        {
            var session = sessions[i] ?? throw new ArgumentNullException(nameof(sessions), $"Session {i} is null.");
            if (!ReferenceEquals(session.Owner, this)) throw new ArgumentException($"Session {i} belongs to another recommender.", nameof(sessions));
            if (itemIds[i] is null) throw new ArgumentNullException(nameof(itemIds), $"Item id {i} is null.");
        }
        var known = new bool[n];
        if (Upstream is not null)
        {
            // Transforms map one raw id to any number of items: these stay one event at a time.
            for (int i = 0; i < n; i++) known[i] = sessions[i].Add(itemIds[i]);
            return known;
        }
        using var call = EnterCall();
        // The distinct sessions (by first appearance) and, per entry, its session's number and its wave.
        var numbers = new Dictionary<RecommendationSession, int>(ReferenceEqualityComparer.Instance);
        var distinct = new List<RecommendationSession>();
        var owner = new int[n];
        var items = new int[n];
        var waves = new List<List<int>>();
        var steps = new List<int>(); // known items per distinct session so far
        var ignored = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (!numbers.TryGetValue(sessions[i], out int d))
            {
                numbers.Add(sessions[i], d = distinct.Count);
                distinct.Add(sessions[i]);
                steps.Add(0);
                ignored.Add(0);
            }
            owner[i] = d;
            known[i] = Model.Items.TryGetIndex(itemIds[i].Trim(), out items[i]);
            if (!known[i])
            {
                ignored[d]++;
                continue;
            }
            int wave = steps[d]++;
            if (wave == waves.Count) waves.Add([]);
            waves[wave].Add(i);
        }
        // Concurrent AddMany calls could otherwise deadlock taking overlapping sessions in different orders: locks are
        // always taken in the order of the sessions' creation numbers (Add holds only one lock, so it fits any order).
        var locks = distinct.OrderBy(s => s.Sequence).ToArray();
        int taken = 0;
        try
        {
            foreach (var session in locks)
            {
                bool entered = false;
                Monitor.Enter(session.Lock, ref entered);
                if (entered) taken++;
            }
            foreach (var session in locks) session.ThrowIfDisposed();
            var states = distinct.Select(s => s.StateBytes).ToArray();
            Advance(waves, owner, items, states);
            // Counters and states change only once every wave succeeded.
            for (int d = 0; d < distinct.Count; d++) distinct[d].Applied(states[d], steps[d], ignored[d]);
        }
        finally
        {
            for (int t = taken - 1; t >= 0; t--) Monitor.Exit(locks[t].Lock);
        }
        return known;
    }

    // Each wave in steps of up to BatchSlots sessions through one scorer: read each slot's state, advance, write it back.
    private void Advance(List<List<int>> waves, int[] owner, int[] items, byte[]?[] states)
    {
        if (waves.Count == 0) return;
        int slots = Math.Min(BatchSlots, waves.Max(w => w.Count));
        using var scorer = Model.CreateScorer(slots);
        var step = new int[slots];
        foreach (var wave in waves)
            for (int start = 0; start < wave.Count; start += slots)
            {
                int count = Math.Min(slots, wave.Count - start);
                step.AsSpan().Fill(-1);
                for (int r = 0; r < count; r++)
                {
                    int e = wave[start + r];
                    RecommendationSession.PutState(scorer, r, states[owner[e]]);
                    step[r] = items[e];
                }
                scorer.Advance(step);
                for (int r = 0; r < count; r++) states[owner[wave[start + r]]] = RecommendationSession.Save(scorer, r);
            }
    }
}

public sealed partial class RecommendationSession
{
    /// <summary>The recommender this session belongs to.</summary>
    internal SessionRecommender Owner => _owner;

    private static long s_created;

    /// <summary>This session's creation number: the order in which <see cref="SessionRecommender.AddMany"/> takes locks.</summary>
    internal long Sequence { get; } = Interlocked.Increment(ref s_created);

    /// <summary>The session's lock (taken by <see cref="SessionRecommender.AddMany"/> in <see cref="Sequence"/> order).</summary>
    internal object Lock => _lock;

    /// <summary>The model's state (null = empty); read and written only under <see cref="Lock"/>.</summary>
    internal byte[]? StateBytes => _state;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The result of a batch of events (under <see cref="Lock"/>): the new state, known steps and ignored items.</summary>
    internal void Applied(byte[]? state, int steps, int ignored)
    {
        _state = state;
        Length += steps;
        IgnoredItems += ignored;
    }

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
