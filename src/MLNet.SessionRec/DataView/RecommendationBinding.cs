using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec;

/// <summary>
/// A transformer bound to one input schema: the session column, its codec and the output schema
/// (input columns, then the predicted items and their scores).
/// </summary>
internal sealed class RecommendationBinding
{
    private readonly Lazy<(int[] Items, float[] Scores)> _coldStart;

    public RecommendationBinding(SessionRecommendationTransformer parent, DataViewSchema inputSchema)
    {
        Parent = parent;
        InputSchema = inputSchema;
        InputColumn = inputSchema.GetColumnOrNull(parent.InputColumnName)
            ?? throw SchemaErrors.Missing(nameof(inputSchema), "item", parent.InputColumnName);
        Codec = ItemColumnCodec.Create(InputColumn, parent.Model.Items);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(parent.PredictedItemsColumnName, new VectorDataViewType((PrimitiveDataViewType)Codec.ItemType), Codec.OutputAnnotations);
        builder.AddColumn(parent.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single));
        OutputSchema = builder.ToSchema();
        PredictedItemsIndex = inputSchema.Count;
        ScoreIndex = inputSchema.Count + 1;
        _coldStart = new(() =>
        {
            var scores = ColdStart.Scores(parent.Model);
            var items = new int[parent.TopK];
            var values = new float[parent.TopK];
            int n = TopKSelection.Select(scores, Codec.Representable, parent.TopK, items, values);
            return (items[..n], values[..n]);
        });
    }

    public SessionRecommendationTransformer Parent { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema.Column InputColumn { get; }
    public ItemColumnCodec Codec { get; }
    public DataViewSchema OutputSchema { get; }
    public int PredictedItemsIndex { get; }
    public int ScoreIndex { get; }

    /// <summary>Whether output column <paramref name="index"/> is one of ours.</summary>
    public bool IsOutput(int index) => index >= InputSchema.Count;

    /// <summary>A batch scorer of <paramref name="slots"/> rows (one per cursor or row).</summary>
    public SessionBatchScorer CreateScorer(int slots)
    {
        using var use = Parent.EnterUse();
        return new(Parent.Model, slots, Parent.TopK, Codec.Representable, () => _coldStart.Value);
    }

    /// <summary>Rows per batch: 256 (scorers bound their own scoring memory; only k items per row come back).</summary>
    public int BatchSlots => 256;

    /// <summary>Creates the getter of output column <paramref name="index"/> that reads row <paramref name="row"/>() of <paramref name="scorer"/>.</summary>
    public Delegate CreateOutputGetter(int index, SessionBatchScorer scorer, Func<int> row)
    {
        if (index == PredictedItemsIndex)
            return Codec.CreateOutputGetter(() => { int r = row(); return (scorer.Items, r * scorer.TopK, scorer.Counts[r]); });
        ValueGetter<VBuffer<float>> scores = (ref VBuffer<float> dst) =>
        {
            int r = row();
            int count = scorer.Counts[r];
            var editor = VBufferEditor.Create(ref dst, count);
            scorer.Scores.AsSpan(r * scorer.TopK, count).CopyTo(editor.Values);
            dst = editor.Commit();
        };
        return scores;
    }
}
