using System.Collections.Concurrent;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// Base of the session-kNN family (S-KNN, V-SKNN, S-SKNN, STAN, V-STAN) as in session-rec: for every prediction the
/// candidates are the most recent training sessions sharing an item with the current session
/// (<see cref="SessionNeighborhoodIndex.Sample"/>), each gets a similarity to the current session, the
/// <c>k</c> most similar are the neighbours (equal similarity: the more recent session first) and the items of the
/// neighbours are scored. The derived models define the similarity and the score. Scores are written divided by
/// the row's largest score (session-rec's <c>normalize=True</c>, which changes no ranking); items no neighbour
/// contains score 0.
/// </summary>
public abstract class SessionNeighborhoodModel : ISavableSessionModel
{
    private readonly ConcurrentBag<Workspace> _workspaces = new();

    private protected SessionNeighborhoodModel(ItemVocabulary items, SessionNeighborhoodIndex index)
    {
        if (index.ItemCount != items.Count)
            throw ModelBinary.Invalid($"The session-kNN index has {index.ItemCount} items; the vocabulary has {items.Count}.");
        Items = items;
        Index = index;
    }

    internal SessionNeighborhoodIndex Index { get; }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string ModelKind { get; }

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>Number of indexed training sessions.</summary>
    public int TrainingSessions => Index.SessionCount;

    /// <summary>Number of neighbours (session-rec's <c>k</c>).</summary>
    private protected abstract int NeighborCount { get; }

    /// <summary>Candidate sessions per prediction (session-rec's <c>sample_size</c>; 0 = all sharing an item).</summary>
    private protected abstract int SampleSize { get; }

    /// <summary>How many of the session's last events the similarity and the score see (V-SKNN's <c>last_n_clicks</c>).</summary>
    private protected virtual int ContextLength(int sessionLength) => sessionLength;

    /// <summary>
    /// Weight of <paramref name="item"/> at 1-based <paramref name="position"/> of a context of
    /// <paramref name="length"/> events; an item's last occurrence sets its weight (session-rec's <c>pos_map</c>).
    /// </summary>
    private protected virtual double ContextWeight(int item, int position, int length) => 1;

    /// <summary>Similarity of the current context (in <paramref name="ws"/>) to candidate <paramref name="session"/>.</summary>
    private protected abstract double Similarity(int session, in Match match, Workspace ws);

    /// <summary>Whether a candidate with this similarity can be a neighbour (session-rec's S-KNN family: &gt; 0).</summary>
    private protected virtual bool Keeps(double similarity) => similarity > 0;

    /// <summary>Adds the contribution of neighbour <paramref name="neighbor"/> to the scores in <paramref name="ws"/>.</summary>
    private protected abstract void ScoreNeighbor(in Neighbor neighbor, Workspace ws);

    /// <summary>Adjusts the scores after all neighbours (reminders, popularity boost); <paramref name="session"/> is the whole session.</summary>
    private protected virtual void Finish(ReadOnlySpan<int> session, Workspace ws) { }

    /// <summary>Writes the model's options (between the vocabulary and the index).</summary>
    private protected abstract void WriteOptions(BinaryWriter writer);

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        ModelBinary.WriteVocabulary(writer, Items);
        WriteOptions(writer);
        Index.Write(writer);
    }

    /// <inheritdoc/>
    public ISessionScorer CreateScorer(int slots) => new Scorer(this, slots);

    /// <summary>
    /// The scores (before division by the largest) of the items that get one after <paramref name="session"/>
    /// (dense item indices in time order); every other item scores 0.
    /// </summary>
    public IReadOnlyDictionary<int, double> ScoreItems(ReadOnlySpan<int> session) => ScoreItems(session, null);

    /// <summary>
    /// <see cref="ScoreItems(ReadOnlySpan{int})"/> with neighbours of equal similarity taken in the order of
    /// <paramref name="tieOrder"/> (recency rank -> key, smaller first) instead of the more recent first; lets a test
    /// reproduce another implementation's arbitrary order.
    /// </summary>
    internal IReadOnlyDictionary<int, double> ScoreItems(ReadOnlySpan<int> session, Func<int, int>? tieOrder)
    {
        var ws = Rent();
        try
        {
            Compute(session, ws, tieOrder);
            return ws.Scored.ToDictionary(i => i, i => ws.Score[i]);
        }
        finally { _workspaces.Add(ws); }
    }

    /// <summary>The neighbours (recency rank of the training session, similarity) chosen after <paramref name="session"/>, in scoring order.</summary>
    internal IReadOnlyList<(int Session, double Similarity)> FindNeighbors(ReadOnlySpan<int> session)
    {
        var ws = Rent();
        try
        {
            Compute(session, ws);
            return ws.Neighbors.Take(ws.NeighborCount).Select(n => (n.Session, n.Similarity)).ToArray();
        }
        finally { _workspaces.Add(ws); }
    }

    private Workspace Rent() => _workspaces.TryTake(out var ws) ? ws : new Workspace(Items.Count);

    /// <summary>One prediction: sampling, similarities, neighbours, scores (left in <paramref name="ws"/>).</summary>
    private void Compute(ReadOnlySpan<int> session, Workspace ws, Func<int, int>? tieOrder = null)
    {
        int n = Items.Count;
        foreach (int item in session)
            if ((uint)item >= (uint)n) throw new ArgumentOutOfRangeException(nameof(session), $"Item index {item} is outside the vocabulary of {n}.");
        ws.Begin();

        // Candidates from all items of the session (session-rec's relevant_sessions).
        ws.SessionItems.Clear();
        foreach (int item in session)
            if (ws.SessionMark[item] != ws.Stamp) { ws.SessionMark[item] = ws.Stamp; ws.SessionItems.Add(item); }
        Index.Sample(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ws.SessionItems), SampleSize, ws.Candidates, ref ws.Heap, ref ws.Cursor);
        ws.ReferenceTime = ws.Candidates.Count > 0 ? Index.Time(ws.Candidates[0]) : 0;

        // The context: weights and last positions of its items.
        var context = session[(session.Length - ContextLength(session.Length))..];
        ws.ContextLength = context.Length;
        ws.ContextItems.Clear();
        for (int p = 1; p <= context.Length; p++)
        {
            int item = context[p - 1];
            if (ws.ContextMark[item] != ws.Stamp) { ws.ContextMark[item] = ws.Stamp; ws.ContextItems.Add(item); }
            ws.Weight[item] = ContextWeight(item, p, context.Length);
            ws.LastPosition[item] = p;
        }
        ws.SquaredWeightSum = 0;
        foreach (int item in ws.ContextItems) ws.SquaredWeightSum += ws.Weight[item] * ws.Weight[item];

        // Similarities, then the k most similar (equal similarity: the more recent session first).
        ws.NeighborCount = 0;
        if (ws.Neighbors.Length < ws.Candidates.Count) ws.Neighbors = new Neighbor[ws.Candidates.Count];
        foreach (int c in ws.Candidates)
        {
            var match = ws.Intersect(Index.Distinct(c));
            double similarity = Similarity(c, match, ws);
            if (Keeps(similarity)) ws.Neighbors[ws.NeighborCount++] = new Neighbor(c, similarity, match.LastPosition, tieOrder?.Invoke(c) ?? c);
        }
        Array.Sort(ws.Neighbors, 0, ws.NeighborCount, NeighborOrder.Instance);
        ws.NeighborCount = Math.Min(ws.NeighborCount, NeighborCount);
        for (int k = 0; k < ws.NeighborCount; k++) ScoreNeighbor(ws.Neighbors[k], ws);
        Finish(session, ws);
    }

    /// <summary>What a candidate shares with the context.</summary>
    private protected readonly record struct Match(int Count, double WeightSum, int LastPosition);

    /// <summary>
    /// A chosen neighbour: recency rank, similarity, the 1-based context position of its most recent shared event,
    /// and its place among neighbours of equal similarity (its recency rank unless a test sets another order).
    /// </summary>
    private protected readonly record struct Neighbor(int Session, double Similarity, int LastPosition, int Order);

    private sealed class NeighborOrder : IComparer<Neighbor>
    {
        public static readonly NeighborOrder Instance = new();

        public int Compare(Neighbor a, Neighbor b)
        {
            int c = b.Similarity.CompareTo(a.Similarity);
            return c != 0 ? c : a.Order.CompareTo(b.Order);
        }
    }

    /// <summary>Scratch state of one prediction; one per thread, reused (marks are stamped, never cleared).</summary>
    private protected sealed class Workspace(int items)
    {
        public readonly int[] SessionMark = new int[items];
        public readonly int[] ContextMark = new int[items];
        public readonly double[] Weight = new double[items];
        public readonly int[] LastPosition = new int[items];
        public readonly int[] NeighborMark = new int[items];
        public readonly int[] NeighborPosition = new int[items];
        public readonly int[] ScoreMark = new int[items];
        public readonly double[] Score = new double[items];
        public readonly List<int> SessionItems = new();
        public readonly List<int> ContextItems = new();
        public readonly List<int> Candidates = new();
        public readonly List<int> Scored = new();
        public Neighbor[] Neighbors = [];
        public int NeighborCount;
        public int[] Heap = new int[16];
        public int[] Cursor = new int[16];
        public int Stamp;
        public int NeighborStamp;
        public int ContextLength;
        public double SquaredWeightSum;
        public double ReferenceTime;

        public void Begin()
        {
            if (Stamp == int.MaxValue)
            {
                Array.Clear(SessionMark);
                Array.Clear(ContextMark);
                Array.Clear(ScoreMark);
                Stamp = 0;
            }
            Stamp++;
            Scored.Clear();
        }

        /// <summary>Whether <paramref name="item"/> is in the context.</summary>
        public bool InContext(int item) => ContextMark[item] == Stamp;

        public Match Intersect(ReadOnlySpan<int> distinct)
        {
            int count = 0, last = 0;
            double sum = 0;
            foreach (int item in distinct)
            {
                if (ContextMark[item] != Stamp) continue;
                count++;
                sum += Weight[item];
                if (LastPosition[item] > last) last = LastPosition[item];
            }
            return new Match(count, sum, last);
        }

        /// <summary>Marks the items of a neighbour's events with their last 1-based position; returns a stamp to test with.</summary>
        public int MarkNeighbor(ReadOnlySpan<int> events)
        {
            if (NeighborStamp == int.MaxValue) { Array.Clear(NeighborMark); NeighborStamp = 0; }
            NeighborStamp++;
            for (int p = 0; p < events.Length; p++)
            {
                NeighborMark[events[p]] = NeighborStamp;
                NeighborPosition[events[p]] = p + 1;
            }
            return NeighborStamp;
        }

        public void Add(int item, double value)
        {
            if (ScoreMark[item] != Stamp) { ScoreMark[item] = Stamp; Score[item] = 0; Scored.Add(item); }
            Score[item] += value;
        }

        public void Set(int item, double value)
        {
            if (ScoreMark[item] != Stamp) { ScoreMark[item] = Stamp; Scored.Add(item); }
            Score[item] = value;
        }

        public bool HasScore(int item) => ScoreMark[item] == Stamp;
    }

    // One slot's state is its session so far; a row is computed only when a list or a rank asks for it
    // (RowSessionScorer scores rows in parallel, each with a workspace of its own).
    private sealed class Scorer(SessionNeighborhoodModel model, int slots) : RowSessionScorer(slots, model.Items.Count)
    {
        private readonly List<int>[] _sessions = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();

        public override void ResetSlot(int slot) => _sessions[slot].Clear();

        protected override void Observe(int slot, int item) => _sessions[slot].Add(item);

        protected override void ScoreRow(int slot, Span<float> row)
        {
            var ws = model.Rent();
            try
            {
                model.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_sessions[slot]), ws);
                double max = 0;
                foreach (int i in ws.Scored) max = Math.Max(max, ws.Score[i]);
                row.Clear();
                foreach (int i in ws.Scored) row[i] = (float)(max > 0 ? ws.Score[i] / max : ws.Score[i]);
            }
            finally
            {
                model._workspaces.Add(ws);
            }
        }

        protected override void WriteSlotState(int slot, BinaryWriter writer)
        {
            var session = _sessions[slot];
            writer.Write(session.Count);
            foreach (int item in session) writer.Write(item);
        }

        protected override void ReadSlotState(int slot, BinaryReader reader)
        {
            int count = reader.ReadInt32();
            if (count < 0 || count > reader.BaseStream.Length) throw new InvalidDataException($"Invalid session-kNN session state ({count} events).");
            var session = _sessions[slot];
            session.Clear();
            for (int k = 0; k < count; k++)
            {
                int item = reader.ReadInt32();
                if ((uint)item >= (uint)ItemCount) throw new InvalidDataException($"Invalid session-kNN session state (item {item}).");
                session.Add(item);
            }
        }
    }

    /// <summary>session-rec's <c>remind</c> and <c>pop_boost</c> of S-KNN and S-SKNN (sknn.py predict_next), in that order.</summary>
    private protected static void RemindAndBoost(ReadOnlySpan<int> session, Workspace ws, bool remind, double popBoost, SessionNeighborhoodIndex index)
    {
        if (remind)
        {
            const double reminderScore = 5;
            var last = session[Math.Max(0, session.Length - 3)..];
            for (int c = 1; c <= last.Length; c++)
            {
                int item = last[c - 1];
                double old = ws.HasScore(item) ? ws.Score[item] : 0;
                ws.Set(item, (old + reminderScore) * reminderScore + c / 100.0);
            }
        }
        if (popBoost > 0)
        {
            // An item's popularity: the neighbours containing it, divided by the largest such count.
            var counts = new Dictionary<int, int>();
            int max = 0;
            for (int k = 0; k < ws.NeighborCount; k++)
                foreach (int item in index.Distinct(ws.Neighbors[k].Session))
                    max = Math.Max(max, counts[item] = counts.GetValueOrDefault(item) + 1);
            foreach (int item in ws.Scored.ToArray())
                ws.Add(item, popBoost * (counts.TryGetValue(item, out int count) ? count / (double)max : 0));
        }
    }

    /// <summary>
    /// Cosine of the weighted session and the candidate's item set, times exp(−Δt / λ2) (stan.py calc_similarity).
    /// Δt is taken from the most recent candidate instead of the predicted event's time: that only multiplies every
    /// candidate of the prediction by the same factor, which changes neither the neighbours nor the ranking.
    /// </summary>
    private protected static double StanSimilarity(SessionNeighborhoodIndex index, int session, in Match match, Workspace ws, double? lambdaSnh)
    {
        double similarity = match.WeightSum / (Math.Sqrt(ws.SquaredWeightSum) * Math.Sqrt(index.Distinct(session).Length));
        if (lambdaSnh is { } days) similarity *= Math.Exp(-(ws.ReferenceTime - index.Time(session)) / (days * 24 * 3600));
        return similarity;
    }

    /// <summary>
    /// Adds a neighbour's items (stan.py / vstan.py score_items): sim · exp(−|q(i) − q*| / λ3) where q(i) is the last
    /// position of i in the neighbour and q* the last position of any item of the session; V-STAN then adds the IDF
    /// term and multiplies by its ipw decay.
    /// </summary>
    private protected static void ScoreStanNeighbor(SessionNeighborhoodIndex index, in Neighbor neighbor, Workspace ws, bool remind, double? lambdaInh, double? idf, double? ipw)
    {
        var events = index.Events(neighbor.Session);
        ws.MarkNeighbor(events);
        int shared = 0;
        for (int p = events.Length; p >= 1; p--)
            if (ws.InContext(events[p - 1])) { shared = p; break; }
        foreach (int item in index.Distinct(neighbor.Session))
        {
            if (!remind && ws.InContext(item)) continue;
            double value = neighbor.Similarity;
            if (lambdaInh is { } l) value *= Math.Exp(-Math.Abs(ws.NeighborPosition[item] - shared) / l);
            if (idf is { } w) value += value * index.Idf(item) * w;
            if (ipw is { } d) value *= d;
            ws.Add(item, value);
        }
    }

    /// <summary>Writes a value that may be absent (session-rec's None).</summary>
    private protected static void WriteOptional(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    /// <summary>Reads what <see cref="WriteOptional"/> wrote.</summary>
    private protected static double? ReadOptional(BinaryReader reader)
    {
        bool has = reader.ReadBoolean();
        double value = reader.ReadDouble();
        return has ? value : null;
    }

    /// <summary>Runs an options check on read data, turning its argument errors into <see cref="InvalidDataException"/>.</summary>
    private protected static T CheckRead<T>(T options, Action<T> validate)
    {
        try { validate(options); }
        catch (ArgumentException e) { throw ModelBinary.Invalid($"Invalid session-kNN options in model data: {e.Message}", e); }
        return options;
    }

    /// <summary>Throws unless <paramref name="value"/> is absent or positive and finite.</summary>
    private protected static void CheckLambda(double? value, string name)
    {
        if (value is { } v && !(v > 0 && double.IsFinite(v)))
            throw new ArgumentOutOfRangeException(name, $"{name} must be positive and finite, or null to switch the factor off (got {v}).");
    }

    /// <summary>Throws unless k and the sample size are valid.</summary>
    private protected static void CheckNeighborhood(int k, int sampleSize)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), $"K must be >= 1 (got {k}).");
        if (sampleSize < 0) throw new ArgumentOutOfRangeException(nameof(sampleSize), $"SampleSize must be >= 0 (got {sampleSize}; 0 uses every session sharing an item).");
    }
}

/// <summary>session-rec's weighting functions of the session-kNN family (names as in its configurations).</summary>
public enum SessionKnnWeighting
{
    /// <summary>Position weight 1; decay 1.</summary>
    Same,
    /// <summary>Position weight i / L; decay 1 / d.</summary>
    Div,
    /// <summary>Position weight 1 − 0.1 (L − i) for i ≤ 10, else 0; decay 1 − 0.1 d for d ≤ 100, else 0 (both as session-rec writes them).</summary>
    Linear,
    /// <summary>Position weight 1 / log10(L − i + 1.7); decay 1 / log10(d + 1.7).</summary>
    Log,
    /// <summary>Position weight (i / L)²; decay 1 / d².</summary>
    Quadratic,
}

/// <summary>The two uses of <see cref="SessionKnnWeighting"/>.</summary>
internal static class SessionKnnWeights
{
    /// <summary>
    /// Weight of the event at 1-based position <paramref name="i"/> of a session of <paramref name="length"/>
    /// events (V-SKNN's <c>weighting</c>, session-rec algorithms/knn/vsknn.py <c>linear</c> … <c>quadratic</c>).
    /// </summary>
    public static double Position(SessionKnnWeighting weighting, int i, int length) => weighting switch
    {
        SessionKnnWeighting.Same => 1,
        SessionKnnWeighting.Div => i / (double)length,
        SessionKnnWeighting.Linear => i <= 10 ? 1 - 0.1 * (length - i) : 0,
        SessionKnnWeighting.Log => 1 / Math.Log10(length - i + 1.7),
        SessionKnnWeighting.Quadratic => i / (double)length * (i / (double)length),
        _ => throw new ArgumentOutOfRangeException(nameof(weighting)),
    };

    /// <summary>
    /// Decay of a neighbour whose most recent shared item is the <paramref name="step"/>-th event from the end of
    /// the session, 1 = the last (V-SKNN's <c>weighting_score</c>, S-SKNN's <c>weighting</c>; vsknn.py <c>*_score</c>).
    /// </summary>
    public static double Decay(SessionKnnWeighting weighting, int step) => weighting switch
    {
        SessionKnnWeighting.Same => 1,
        SessionKnnWeighting.Div => 1.0 / step,
        SessionKnnWeighting.Linear => step <= 100 ? 1 - 0.1 * step : 0,
        SessionKnnWeighting.Log => 1 / Math.Log10(step + 1.7),
        SessionKnnWeighting.Quadratic => 1.0 / ((double)step * step),
        _ => throw new ArgumentOutOfRangeException(nameof(weighting)),
    };
}
