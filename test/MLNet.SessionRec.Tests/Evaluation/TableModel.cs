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

    private sealed class Scorer(TableModel model, int slots) : RowSessionScorer(slots, model.Items.Count)
    {
        private readonly int[] _last = Enumerable.Repeat(-1, slots).ToArray();

        public override void ResetSlot(int slot) { model.Log.Add($"reset {slot}"); _last[slot] = -1; }

        public override void Advance(ReadOnlySpan<int> input)
        {
            model.Log.Add("step " + string.Join(",", input.ToArray().Select(i => i < 0 ? "-" : model.Items.GetId(i))));
            base.Advance(input);
        }

        protected override void Observe(int slot, int item) => _last[slot] = item;

        protected override void ScoreRow(int slot, Span<float> row)
        {
            if (_last[slot] < 0) { row.Fill(float.NaN); return; } // idle rows must be ignored
            model.Rows[model.Items.GetId(_last[slot])].CopyTo(row);
        }
    }
}
