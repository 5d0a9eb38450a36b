using Microsoft.ML.Data;

namespace MLNet.SessionRec;

/// <summary>
/// The exceptions ML.NET throws for a column that is missing or has the wrong type (its <c>ExceptSchemaMismatch</c>):
/// <see cref="ArgumentOutOfRangeException"/> with "Could not find … column" or "Schema mismatch for … column".
/// Used by the estimators' <c>Fit</c> and <c>GetOutputSchema</c> and by the transformer, so one mistake gives one
/// exception type wherever it is met.
/// </summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException Missing(string parameter, string role, string name) =>
        new(parameter, $"Could not find {role} column '{name}'");

    public static ArgumentOutOfRangeException Mismatch(string parameter, string role, string name, string expected, string actual) =>
        new(parameter, $"Schema mismatch for {role} column '{name}': expected {expected}, got {actual}");

    /// <summary>Text, any integer type or a key type: what the readers take for session and item ids.</summary>
    public static bool IsIdType(DataViewType type) =>
        type is TextDataViewType or KeyDataViewType || IsInteger(type);

    /// <summary>A number, text, DateTime or DateTimeOffset: what the readers take for event times.</summary>
    public static bool IsTimeType(DataViewType type) =>
        type is TextDataViewType or DateTimeDataViewType or DateTimeOffsetDataViewType
        || type == NumberDataViewType.Single || type == NumberDataViewType.Double || (IsInteger(type) && type != NumberDataViewType.SByte && type != NumberDataViewType.Byte);

    private static bool IsInteger(DataViewType type) =>
        type == NumberDataViewType.SByte || type == NumberDataViewType.Byte || type == NumberDataViewType.Int16 || type == NumberDataViewType.UInt16
        || type == NumberDataViewType.Int32 || type == NumberDataViewType.UInt32 || type == NumberDataViewType.Int64 || type == NumberDataViewType.UInt64;
}
