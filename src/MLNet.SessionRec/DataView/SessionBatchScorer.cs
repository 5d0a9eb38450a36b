
namespace MLNet.SessionRec;

/// <summary>
/// Computes the top-k of many session prefixes at once: one multi-slot <see cref="ISessionScorer"/> walks all
/// prefixes of a batch step by step (slot b observes its t-th item at step t, without scoring) and each row's top-k
/// is asked for right after its last item, so the catalog is scored once per row. Empty prefixes get the cold-start
/// answer. One instance per thread.
/// </summary>
internal sealed class SessionBatchScorer : IDisposable
{
    private readonly ISessionModel _model;
    private readonly bool[]? _allowed;
    private readonly ISessionScorer _scorer;
    private readonly int[] _step;
    private readonly List<int> _ending;
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
        Slots = slots;
        TopK = topK;
        _scorer = model.CreateScorer(slots);
        _step = new int[slots];
        _ending = new List<int>(slots);
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
            _scorer.Advance(_step);
            _ending.Clear();
            for (int r = 0; r < rows; r++)
                if (prefixes[r].Count == t + 1) _ending.Add(r);
            if (_ending.Count == 0) continue;
            // Slot r is row r: the lists of the rows ending here go to rows 0.. of a scratch area, then into place.
            var ending = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ending);
            if (ending.Length == 1 || IsConsecutive(ending))
                _scorer.TopK(ending, TopK, _allowed, Items.AsSpan(ending[0] * TopK), Scores.AsSpan(ending[0] * TopK), Counts.AsSpan(ending[0]));
            else
            {
                var items = new int[ending.Length * TopK];
                var scores = new float[items.Length];
                var counts = new int[ending.Length];
                _scorer.TopK(ending, TopK, _allowed, items, scores, counts);
                for (int i = 0; i < ending.Length; i++)
                {
                    int r = ending[i];
                    items.AsSpan(i * TopK, TopK).CopyTo(Items.AsSpan(r * TopK, TopK));
                    scores.AsSpan(i * TopK, TopK).CopyTo(Scores.AsSpan(r * TopK, TopK));
                    Counts[r] = counts[i];
                }
            }
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

    // Whether the rows are consecutive (then their lists are written in place).
    private static bool IsConsecutive(ReadOnlySpan<int> rows)
    {
        for (int i = 1; i < rows.Length; i++) if (rows[i] != rows[0] + i) return false;
        return true;
    }

    /// <summary>Releases the scorer (native state of GRU models).</summary>
    public void Dispose() => _scorer.Dispose();
}
