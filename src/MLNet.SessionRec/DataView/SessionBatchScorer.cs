
namespace MLNet.SessionRec;

/// <summary>
/// Computes the top-k of many session prefixes at once: one multi-slot <see cref="ISessionScorer"/> walks all
/// prefixes of a batch step by step (slot b observes its t-th item at step t) and each row's top-k is taken
/// right after its last item. Empty prefixes get the cold-start answer. One instance per thread.
/// </summary>
internal sealed class SessionBatchScorer : IDisposable
{
    private readonly ISessionModel _model;
    private readonly bool[]? _allowed;
    private readonly ISessionScorer _scorer;
    private readonly float[] _scores;
    private readonly int[] _step;
    private readonly int _items;
    private readonly Func<(int[] Items, float[] Scores)> _coldStart;

    /// <param name="model">The model.</param>
    /// <param name="slots">Rows per batch.</param>
    /// <param name="topK">List length.</param>
    /// <param name="allowed">Items that may be recommended (null = all).</param>
    /// <param name="coldStart">The cold-start top-k (shared, computed once by the owner).</param>
    public SessionBatchScorer(ISessionModel model, int slots, int topK, bool[]? allowed, Func<(int[] Items, float[] Scores)> coldStart)
    {
        _model = model;
        _allowed = allowed;
        _items = model.Items.Count;
        Slots = slots;
        TopK = topK;
        _scorer = model.CreateScorer(slots);
        _scores = new float[checked(slots * _items)];
        _step = new int[slots];
        _coldStart = coldStart;
        Items = new int[slots * topK];
        Scores = new float[slots * topK];
        Counts = new int[slots];
    }

    /// <summary>Rows per batch.</summary>
    public int Slots { get; }

    /// <summary>List length.</summary>
    public int TopK { get; }

    /// <summary>Row r's recommended item indices: <c>Items[r*TopK .. r*TopK + Counts[r]]</c>, best first.</summary>
    public int[] Items { get; }

    /// <summary>Scores matching <see cref="Items"/>.</summary>
    public float[] Scores { get; }

    /// <summary>Length of each row's list.</summary>
    public int[] Counts { get; }

    /// <summary>Computes the lists of <paramref name="rows"/> prefixes (known item indices), rows ≤ <see cref="Slots"/>.</summary>
    public void Score(IReadOnlyList<List<int>> prefixes, int rows)
    {
        if (rows > Slots) throw new ArgumentOutOfRangeException(nameof(rows));
        int longest = 0;
        for (int r = 0; r < rows; r++) longest = Math.Max(longest, prefixes[r].Count);
        for (int s = 0; s < Slots; s++) _scorer.ResetSlot(s);
        for (int t = 0; t < longest; t++)
        {
            for (int s = 0; s < Slots; s++) _step[s] = s < rows && t < prefixes[s].Count ? prefixes[s][t] : -1;
            _scorer.Step(_step, _scores);
            for (int r = 0; r < rows; r++)
                if (prefixes[r].Count == t + 1)
                    Counts[r] = TopKSelection.Select(_scores.AsSpan(r * _items, _items), _allowed, TopK,
                        Items.AsSpan(r * TopK, TopK), Scores.AsSpan(r * TopK, TopK));
        }
        for (int r = 0; r < rows; r++)
        {
            if (prefixes[r].Count > 0) continue;
            var (items, scores) = _coldStart();
            Counts[r] = items.Length;
            items.CopyTo(Items, r * TopK);
            scores.CopyTo(Scores, r * TopK);
        }
    }

    /// <summary>Releases the scorer (native state of GRU models).</summary>
    public void Dispose() => _scorer.Dispose();
}
