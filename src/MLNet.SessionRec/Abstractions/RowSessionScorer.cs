using System.Buffers;

namespace MLNet.SessionRec;

/// <summary>
/// A scorer that computes one slot's scores at a time on the CPU: a model implements its state (<see cref="Observe"/>,
/// <see cref="ResetSlot"/>, optionally <see cref="WriteSlotState"/>/<see cref="ReadSlotState"/>) and
/// <see cref="ScoreRow"/>; top-k lists, ranks and full score rows follow. Rows are scored in parallel, each into a
/// pooled buffer of one row, so memory never scales with slots × items.
/// </summary>
public abstract class RowSessionScorer : ISessionScorer, IParallelScorer
{
    /// <summary>Creates a scorer of <paramref name="slots"/> slots over <paramref name="itemCount"/> items.</summary>
    protected RowSessionScorer(int slots, int itemCount)
    {
        if (slots <= 0) throw new ArgumentOutOfRangeException(nameof(slots), slots, "A scorer needs at least one slot.");
        Slots = slots;
        ItemCount = itemCount;
    }

    /// <inheritdoc/>
    public int Slots { get; }

    /// <summary>Number of items scored per slot.</summary>
    public int ItemCount { get; }

    /// <summary>Upper bound of worker threads scoring rows (default -1: all cores).</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <inheritdoc/>
    public abstract void ResetSlot(int slot);

    /// <summary>Slot <paramref name="slot"/> observes <paramref name="item"/> (a valid dense index).</summary>
    protected abstract void Observe(int slot, int item);

    /// <summary>Writes the scores of all items for slot <paramref name="slot"/>'s current state; called in parallel for distinct slots.</summary>
    protected abstract void ScoreRow(int slot, Span<float> row);

    /// <summary>Writes the slot's state; the default writes nothing (a stateless scorer).</summary>
    protected virtual void WriteSlotState(int slot, BinaryWriter writer) { }

    /// <summary>Reads the slot's state written by <see cref="WriteSlotState"/>; the default resets the slot.</summary>
    protected virtual void ReadSlotState(int slot, BinaryReader reader) => ResetSlot(slot);

    /// <inheritdoc/>
    public virtual void Advance(ReadOnlySpan<int> items)
    {
        if (items.Length < Slots) throw new ArgumentException($"items must hold one entry per slot ({Slots}).", nameof(items));
        for (int s = 0; s < Slots; s++)
        {
            int item = items[s];
            if (item < 0) continue;
            if (item >= ItemCount) throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index {item} is outside the vocabulary of {ItemCount}.");
            Observe(s, item);
        }
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<int> items, Span<float> scores)
    {
        int n = ItemCount;
        if (scores.Length < (long)Slots * n) throw new ArgumentException($"scores must hold Slots × items = {(long)Slots * n} values.", nameof(scores));
        Advance(items);
        for (int s = 0; s < Slots; s++)
            if (items[s] >= 0) ScoreRow(s, scores.Slice(s * n, n));
    }

    /// <inheritdoc/>
    public void TopK(ReadOnlySpan<int> slots, int k, bool[]? allowed, Span<int> items, Span<float> scores, Span<int> counts)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (items.Length < (long)slots.Length * k || scores.Length < (long)slots.Length * k || counts.Length < slots.Length)
            throw new ArgumentException($"The outputs must hold {slots.Length} rows of {k}.");
        var rows = slots.ToArray();
        var topItems = new int[rows.Length * k];
        var topScores = new float[rows.Length * k];
        var topCounts = new int[rows.Length];
        ForEachRow(rows.Length, (i, row) =>
        {
            ScoreRow(rows[i], row);
            topCounts[i] = TopKSelection.Select(row, allowed, k, topItems.AsSpan(i * k, k), topScores.AsSpan(i * k, k));
        });
        topItems.CopyTo(items);
        topScores.CopyTo(scores);
        topCounts.CopyTo(counts);
    }

    /// <inheritdoc/>
    public void Rank(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks)
    {
        if (targets.Length < Slots || ranks.Length < Slots) throw new ArgumentException($"targets and ranks must hold one entry per slot ({Slots}).");
        var active = new List<int>(Slots);
        for (int s = 0; s < Slots; s++)
        {
            if (targets[s] < 0) continue;
            if (targets[s] >= ItemCount) throw new ArgumentOutOfRangeException(nameof(targets), targets[s], $"Item index {targets[s]} is outside the vocabulary of {ItemCount}.");
            active.Add(s);
        }
        var t = targets.ToArray();
        var result = new double[Slots];
        string name = GetType().DeclaringType?.Name ?? GetType().Name;
        ForEachRow(active.Count, (i, row) =>
        {
            int s = active[i];
            ScoreRow(s, row);
            result[s] = RankingEvaluator.Rank(row, t[s], ties, name);
        });
        foreach (int s in active) ranks[s] = result[s];
    }

    /// <inheritdoc/>
    public void WriteState(int slot, BinaryWriter writer)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        WriteSlotState(slot, writer);
    }

    /// <inheritdoc/>
    public void ReadState(int slot, BinaryReader reader)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        try { ReadSlotState(slot, reader); }
        catch (EndOfStreamException e) { throw new InvalidDataException("The session state is truncated.", e); }
    }

    /// <summary>Runs <paramref name="body"/> for rows 0..count-1, each with a pooled buffer of one row of scores.</summary>
    private void ForEachRow(int count, Action<int, Span<float>> body)
    {
        int n = ItemCount;
        if (count == 0) return;
        if (count == 1 || MaxDegreeOfParallelism == 1)
        {
            var buffer = ArrayPool<float>.Shared.Rent(n);
            try { for (int i = 0; i < count; i++) body(i, buffer.AsSpan(0, n)); }
            finally { ArrayPool<float>.Shared.Return(buffer); }
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
                () => ArrayPool<float>.Shared.Rent(n),
                (i, _, buffer) => { body(i, buffer.AsSpan(0, n)); return buffer; },
                buffer => ArrayPool<float>.Shared.Return(buffer));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <inheritdoc/>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
