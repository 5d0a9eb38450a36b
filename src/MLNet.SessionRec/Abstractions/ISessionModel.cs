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
/// </summary>
public interface ISessionScorer : IDisposable
{
    /// <summary>Number of slots.</summary>
    int Slots { get; }

    /// <summary>Forgets the slot's session: the next <see cref="Step"/> starts a new one there.</summary>
    void ResetSlot(int slot);

    /// <summary>
    /// Every slot whose <paramref name="items"/> entry is not negative observes that item (a dense index) as the
    /// next event of its session; then row <c>slot</c> of <paramref name="scores"/> (length Slots × item count,
    /// row-major) receives the scores of all items for that slot's next event. Rows of idle slots (-1) are
    /// left undefined. Higher score = better rank.
    /// </summary>
    void Step(ReadOnlySpan<int> items, Span<float> scores);
}
