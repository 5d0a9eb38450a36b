using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Pipeline;

/// <summary>
/// A small stateful model for pipeline tests: score_j = 2·[j follows the last item] + (times j was seen) + j/1000,
/// so lists depend on the whole prefix and on its order, and have no ties.
/// </summary>
internal sealed class CountingTestModel(ItemVocabulary items) : ISessionModel
{
    public string Name => "counting-test";

    public ItemVocabulary Items { get; } = items;

    public static CountingTestModel WithItems(int count) =>
        new(ItemVocabulary.FromIds(Enumerable.Range(0, count).Select(i => $"i{i}"), Enumerable.Range(0, count).Select(i => (long)(count - i))));

    /// <summary>Slots of every scorer created so far, and the number of steps run by all of them (to see batching).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> ScorerSlots { get; } = new();

    public int Steps => _steps;

    private int _steps;

    public ISessionScorer CreateScorer(int slots)
    {
        ScorerSlots.Enqueue(slots);
        return new Scorer(Items.Count, slots, () => Interlocked.Increment(ref _steps));
    }

    /// <summary>Reference scores of a whole prefix, computed directly.</summary>
    public float[] ScoresOf(IReadOnlyList<int> prefix)
    {
        var s = new float[Items.Count];
        for (int j = 0; j < s.Length; j++) s[j] = j / 1000f;
        foreach (int i in prefix) s[i] += 1;
        s[(prefix[^1] + 1) % s.Length] += 2;
        return s;
    }

    private sealed class Scorer(int n, int slots, Action counted) : RowSessionScorer(slots, n)
    {
        private readonly int[][] _counts = NewCounts(n, slots);

        private static int[][] NewCounts(int n, int slots) => Enumerable.Range(0, slots).Select(_ => new int[n]).ToArray();
        private readonly int[] _last = Enumerable.Repeat(-1, slots).ToArray();
        private int N => ItemCount;

        public override void ResetSlot(int slot) { Array.Clear(_counts[slot]); _last[slot] = -1; }

        public override void Advance(ReadOnlySpan<int> items)
        {
            counted();
            base.Advance(items);
        }

        protected override void Observe(int slot, int item)
        {
            _counts[slot][item]++;
            _last[slot] = item;
        }

        protected override void ScoreRow(int slot, Span<float> row)
        {
            for (int j = 0; j < N; j++) row[j] = _counts[slot][j] + j / 1000f;
            if (_last[slot] >= 0) row[(_last[slot] + 1) % N] += 2;
        }

        protected override void WriteSlotState(int slot, BinaryWriter writer)
        {
            writer.Write(_last[slot]);
            foreach (int c in _counts[slot]) writer.Write(c);
        }

        protected override void ReadSlotState(int slot, BinaryReader reader)
        {
            _last[slot] = reader.ReadInt32();
            for (int j = 0; j < N; j++) _counts[slot][j] = reader.ReadInt32();
        }
    }
}

/// <summary>A <see cref="CountingTestModel"/> that records its disposal (stands in for GRU4Rec's native weights).</summary>
internal sealed class DisposableTestModel(ItemVocabulary items) : ISessionModel, IDisposable
{
    private readonly CountingTestModel _inner = new(items);

    public int DisposeCount { get; private set; }

    public string Name => "disposable-test";

    public ItemVocabulary Items => _inner.Items;

    public ISessionScorer CreateScorer(int slots) => _inner.CreateScorer(slots);

    public void Dispose() => DisposeCount++;
}
