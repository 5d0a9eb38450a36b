using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;

namespace MLNet.SessionRec.EvaluationApp.Adapters.Stubs;

// TEMPORARY stand-in until MLNet.SessionRec.Baselines lands on main; removed at wiring time.
internal sealed class StubPop(ItemVocabulary items) : ISessionModel
{
    public string Name => "pop";
    public ItemVocabulary Items => items;

    public ISessionScorer CreateScorer(int slots) => new Scorer(slots, items.GetSupports());

    private sealed class Scorer(int slots, long[] support) : ISessionScorer
    {
        public int Slots => slots;
        public void ResetSlot(int slot) { }
        public void Step(ReadOnlySpan<int> items, Span<float> scores)
        {
            for (int s = 0; s < slots; s++)
                if (items[s] >= 0)
                    for (int i = 0; i < support.Length; i++) scores[s * support.Length + i] = support[i];
        }
        public void Dispose() { }
    }
}
