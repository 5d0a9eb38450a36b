using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Persistence;

/// <summary>Builds <see cref="SchemaShape"/> columns (their constructor is internal to ML.NET).</summary>
internal static class SchemaShapes
{
    /// <summary>A variable-length vector column.</summary>
    public static SchemaShape.Column VariableVector(string name, DataViewType itemType, bool isKey, SchemaShape? annotations = null) =>
        new(name, SchemaShape.Column.VectorKind.VariableVector, itemType, isKey, annotations);
}
