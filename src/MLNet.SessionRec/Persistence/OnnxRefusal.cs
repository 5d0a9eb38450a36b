using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;

namespace MLNet.SessionRec.Persistence;

/// <summary>
/// Makes ML.NET's ONNX export fail loudly on our transformer. <c>mlContext.Model.ConvertToOnnx</c> walks the output
/// data view back through ML.NET's internal <c>ITransformCanSaveOnnx</c> transforms; a view that is not one is taken
/// for the input, and the export "succeeds" with a graph of Identity nodes. The transformer's output view is
/// therefore wrapped in this transform, which answers the export's question with a <see cref="NotSupportedException"/>
/// naming the alternative; every other use sees the wrapped view unchanged.
/// </summary>
internal sealed class OnnxRefusal : ITransformCanSaveOnnx
{
    internal const string Message = "MLNet.SessionRec: a session recommendation model (GRU4Rec or a baseline) cannot be exported to ONNX " +
        "(its scoring keeps a per-session state that ONNX graphs of ML.NET cannot express). Save it in ML.NET's own format with " +
        "mlContext.Model.Save and load it with mlContext.Model.Load, or serve it with SessionRecommender.Load.";

    private readonly IDataView _view;

    private OnnxRefusal(IDataView source, IDataView view)
    {
        Source = source;
        _view = view;
    }

    /// <summary>Wraps <paramref name="view"/>, the transformer's output over <paramref name="source"/>.</summary>
    public static IDataView Wrap(IDataView source, IDataView view) => new OnnxRefusal(source, view);

    public IDataView Source { get; }

    public bool CanShuffle => _view.CanShuffle;

    public DataViewSchema Schema => _view.Schema;

    public long? GetRowCount() => _view.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => _view.GetRowCursor(columnsNeeded, rand);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => _view.GetRowCursorSet(columnsNeeded, n, rand);

    public bool CanSaveOnnx(OnnxContext ctx) => throw new NotSupportedException(Message);

    public void SaveAsOnnx(OnnxContext ctx) => throw new NotSupportedException(Message);

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("MLNet.SessionRec: save the session recommendation transformer (mlContext.Model.Save), not a data view it returned.");
}
