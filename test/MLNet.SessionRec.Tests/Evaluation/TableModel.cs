using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Evaluation;

/// <summary>Test model: the scores depend only on the last observed item (a fixed table); it logs every call.</summary>
internal sealed class TableModel(ItemVocabulary items, Dictionary<string, float[]> rowsByLastItemId) : ISessionModel
{
    public List<string> Log { get; } = new();

    public Dictionary<string, float[]> Rows => rowsByLastItemId;

    public string Name => "table";

    public ItemVocabulary Items => items;

    public ISessionScorer CreateScorer(int slots) => new Scorer(this, slots);

    private sealed class Scorer(TableModel model, int slots) : ISessionScorer
    {
        public int Slots => slots;

        public void ResetSlot(int slot) => model.Log.Add($"reset {slot}");

        public void Step(ReadOnlySpan<int> input, Span<float> scores)
        {
            int n = model.Items.Count;
            model.Log.Add("step " + string.Join(",", input.ToArray().Select(i => i < 0 ? "-" : model.Items.GetId(i))));
            for (int s = 0; s < slots; s++)
            {
                if (input[s] < 0) { scores.Slice(s * n, n).Fill(float.NaN); continue; } // idle rows must be ignored
                model.Rows[model.Items.GetId(input[s])].CopyTo(scores.Slice(s * n, n));
            }
        }

        public void Dispose() { }
    }
}
