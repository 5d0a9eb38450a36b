using MLNet.SessionRec.Data;

namespace MLNet.SessionRec;

/// <summary>
/// A next-item model as the evaluator sees it: it creates scorers that follow many sessions at once.
/// GRU4Rec and every baseline implement it, so all are evaluated by the same code.
/// </summary>
public interface ISessionModel
{
    /// <summary>Short name for reports (e.g. "gru4rec", "pop").</summary>
    string Name { get; }

    /// <summary>The items the model ranks; scores are indexed by this vocabulary's dense indices.</summary>
    ItemVocabulary Items { get; }

    /// <summary>Creates a scorer with <paramref name="slots"/> parallel session slots, all starting empty.</summary>
    ISessionScorer CreateScorer(int slots);
}

/// <summary>
/// Session-parallel scoring state: each slot follows one session. Not thread-safe; one scorer per thread.
/// The state moves with <see cref="Advance"/> (no scoring); <see cref="TopK"/> and <see cref="Rank"/> score the
/// current state only where a list or a rank is needed, and return k items or one rank per slot, never a
/// slots × items matrix. <see cref="RowSessionScorer"/> implements everything but the state from one row of scores.
/// </summary>
public interface ISessionScorer : IDisposable
{
    /// <summary>Number of slots.</summary>
    int Slots { get; }

    /// <summary>Forgets the slot's session: the next <see cref="Advance"/> starts a new one there.</summary>
    void ResetSlot(int slot);

    /// <summary>
    /// Every slot whose <paramref name="items"/> entry is not negative observes that item (a dense index) as the
    /// next event of its session. Nothing is scored.
    /// </summary>
    void Advance(ReadOnlySpan<int> items);

    /// <summary>
    /// For each slot listed in <paramref name="slots"/> (the i-th entry fills row i of the outputs), the best
    /// <c>min(k, allowed items)</c> items of its current state, best first, equal scores by lower index, NaN last:
    /// indices in <c>items[i*k ..]</c>, scores in <c>scores[i*k ..]</c>, their number in <c>counts[i]</c>.
    /// <paramref name="allowed"/>, when given, restricts the candidates.
    /// </summary>
    void TopK(ReadOnlySpan<int> slots, int k, bool[]? allowed, Span<int> items, Span<float> scores, Span<int> counts);

    /// <summary>
    /// For every slot whose <paramref name="targets"/> entry is not negative, the rank (1 = best) of that item among
    /// all items under the slot's current state, with <paramref name="ties"/>; written to <c>ranks[slot]</c>.
    /// Throws <see cref="InvalidOperationException"/> when a target scores NaN.
    /// </summary>
    void Rank(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks);

    /// <summary>
    /// <see cref="Rank"/>, then <see cref="TopK"/> (no allowed-item filter) for the slots with a target, in slot
    /// order: what an evaluation with list metrics asks at every step. A scorer may do both in one pass over the
    /// catalog (GRU4Rec on a CPU does); the results are the same as the two calls'.
    /// </summary>
    void RankAndTopK(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks, int k, Span<int> items, Span<float> scores, Span<int> counts)
    {
        Rank(targets, ties, ranks);
        var slots = new List<int>(Slots);
        for (int s = 0; s < Slots; s++) if (targets[s] >= 0) slots.Add(s);
        TopK(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slots), k, null, items, scores, counts);
    }

    /// <summary>
    /// <see cref="RankAndTopK(ReadOnlySpan{int}, TieHandling, Span{double}, int, Span{int}, Span{float}, Span{int})"/>
    /// for a caller that needs ranks only up to k (metrics at cut-offs up to k) when <paramref name="ranksWithinK"/>
    /// is true: a rank above k may then be reported as <see cref="double.PositiveInfinity"/>, which lets a scorer skip
    /// most items (GRU4Rec with its quantized index does). By default the same as the call without it.
    /// </summary>
    void RankAndTopK(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks, int k, Span<int> items, Span<float> scores, Span<int> counts,
        bool ranksWithinK) =>
        RankAndTopK(targets, ties, ranks, k, items, scores, counts);

    /// <summary>
    /// Every active slot observes its item, then row <c>slot</c> of <paramref name="scores"/> (length Slots × item
    /// count, row-major) receives the scores of all items for that slot's next event; rows of idle slots (-1) are
    /// left undefined. Higher score = better rank. For tests and small catalogs: prefer <see cref="Advance"/> with
    /// <see cref="TopK"/> or <see cref="Rank"/>.
    /// </summary>
    void Step(ReadOnlySpan<int> items, Span<float> scores);

    /// <summary>Writes slot <paramref name="slot"/>'s session state (what <see cref="ReadState"/> restores), nothing catalog-sized.</summary>
    void WriteState(int slot, BinaryWriter writer);

    /// <summary>Replaces slot <paramref name="slot"/>'s session state with one written by <see cref="WriteState"/> of a scorer of the same model.</summary>
    /// <exception cref="InvalidDataException">The data is not such a state.</exception>
    void ReadState(int slot, BinaryReader reader);
}
