using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Data;

/// <summary>
/// Reads sessions from any ML.NET <see cref="IDataView"/> (the ML.NET way in). Id columns may be text, any integer
/// type or a key type (its key value text when the column has <c>KeyValues</c> annotations, else the zero-based key
/// index); the time column may be float, double, any integer type (read per <see cref="SessionFileOptions.TimeFormat"/>),
/// text (parsed like a file) or DateTime / DateTimeOffset. Missing values are errors naming row and column.
/// </summary>
public static class SessionDataViewReader
{
    /// <summary>
    /// Reads <paramref name="data"/> using the column names, time format and minimum session length of
    /// <paramref name="options"/>; with <paramref name="vocabulary"/> unknown items are dropped and counted.
    /// </summary>
    public static SessionDataset Read(IDataView data, SessionFileOptions? options = null, ItemVocabulary? vocabulary = null) =>
        Read(data, options, vocabulary, checkAlive: null);

    /// <summary>As the public overload; <paramref name="checkAlive"/> (cancellation) is called every 1,024 rows.</summary>
    internal static SessionDataset Read(IDataView data, SessionFileOptions? options, ItemVocabulary? vocabulary, Action? checkAlive)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new SessionFileOptions();
        if (options.TimeOffsetColumn != null)
            throw new ArgumentException("TimeOffsetColumn is supported for files only; compute the time column in the pipeline.", nameof(options));
        var schema = data.Schema;
        var session = Find(schema, options.SessionColumn, "session");
        var item = Find(schema, options.ItemColumn, "item");
        var time = Find(schema, options.TimeColumn, "time");
        var table = new SessionEventTable(vocabulary);
        using (var cursor = data.GetRowCursor(new[] { session, item, time }.Distinct()))
        {
            var sessionId = IdColumn.Create(cursor, session);
            var itemId = IdColumn.Create(cursor, item);
            var timeOf = TimeGetter(cursor, time, options);
            long row = 0;
            checkAlive?.Invoke();
            while (cursor.MoveNext())
            {
                if ((row & 1023) == 1023) checkAlive?.Invoke();
                var s = sessionId.Read(row);
                var i = itemId.Read(row);
                table.Add(s, i, timeOf(row));
                row++;
            }
        }
        checkAlive?.Invoke();
        return table.ToDataset(options.MinSessionLength);
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name) ?? throw new InvalidDataException(
            $"IDataView: the {role} column '{name}' is not in the schema ({string.Join(", ", schema.Select(c => c.Name))}).");

    private static Exception Bad(DataViewSchema.Column column, long row, string problem) =>
        new InvalidDataException($"IDataView row {row}: column '{column.Name}' ({column.Type}) {problem}.");

    private static Func<long, double> TimeGetter(DataViewRowCursor cursor, DataViewSchema.Column column, SessionFileOptions options)
    {
        double scale = options.TimeFormat == SessionTimeFormat.UnixMilliseconds ? 0.001 : 1.0;
        var type = column.Type;
        if (type == NumberDataViewType.Double) return Number<double>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.Single) return Number<float>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.Int64) return Number<long>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.Int32) return Number<int>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.UInt64) return Number<ulong>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.UInt32) return Number<uint>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.Int16) return Number<short>(cursor, column, v => v * scale);
        if (type == NumberDataViewType.UInt16) return Number<ushort>(cursor, column, v => v * scale);
        if (type is DateTimeDataViewType) return Number<DateTime>(cursor, column, v => SessionFileReader.ToUnixSeconds(new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc))));
        if (type is DateTimeOffsetDataViewType) return Number<DateTimeOffset>(cursor, column, SessionFileReader.ToUnixSeconds);
        if (type is TextDataViewType)
        {
            var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            return row =>
            {
                getter(ref text);
                if (!SessionFileReader.TryParseTime(text.Span.Trim(), options, out double t))
                    throw Bad(column, row, $"has the unparsable time '{text}' (format {options.TimeFormat})");
                return t;
            };
        }
        throw new InvalidDataException($"IDataView: the time column '{column.Name}' has type {type}; expected float, double, an integer, text, DateTime or DateTimeOffset.");

        Func<long, double> Number<T>(DataViewRowCursor c, DataViewSchema.Column col, Func<T, double> convert)
        {
            var getter = c.GetGetter<T>(col);
            T value = default!;
            return row =>
            {
                getter(ref value);
                double t = convert(value);
                if (!double.IsFinite(t)) throw Bad(col, row, $"has the time {t}");
                return t;
            };
        }
    }

    /// <summary>Reads one id column of the current row as characters.</summary>
    private abstract class IdColumn
    {
        public abstract ReadOnlySpan<char> Read(long row);

        public static IdColumn Create(DataViewRowCursor cursor, DataViewSchema.Column column)
        {
            var type = column.Type;
            if (type is TextDataViewType) return new Text(cursor, column);
            if (type is KeyDataViewType key)
            {
                VBuffer<ReadOnlyMemory<char>> names = default;
                bool named = column.Annotations.Schema.GetColumnOrNull("KeyValues")?.Type is VectorDataViewType { ItemType: TextDataViewType };
                if (named) column.GetKeyValues(ref names);
                string[]? labels = named ? names.DenseValues().Select(v => v.ToString()).ToArray() : null;
                if (key.RawType == typeof(uint)) return new Key<uint>(cursor, column, labels);
                if (key.RawType == typeof(ulong)) return new Key<ulong>(cursor, column, labels);
                if (key.RawType == typeof(ushort)) return new Key<ushort>(cursor, column, labels);
                if (key.RawType == typeof(byte)) return new Key<byte>(cursor, column, labels);
            }
            if (type == NumberDataViewType.Int32) return new Integer<int>(cursor, column);
            if (type == NumberDataViewType.Int64) return new Integer<long>(cursor, column);
            if (type == NumberDataViewType.UInt32) return new Integer<uint>(cursor, column);
            if (type == NumberDataViewType.UInt64) return new Integer<ulong>(cursor, column);
            if (type == NumberDataViewType.Int16) return new Integer<short>(cursor, column);
            if (type == NumberDataViewType.UInt16) return new Integer<ushort>(cursor, column);
            if (type == NumberDataViewType.SByte) return new Integer<sbyte>(cursor, column);
            if (type == NumberDataViewType.Byte) return new Integer<byte>(cursor, column);
            throw new InvalidDataException($"IDataView: the id column '{column.Name}' has type {type}; expected text, an integer or a key type.");
        }

        private sealed class Text(DataViewRowCursor cursor, DataViewSchema.Column column) : IdColumn
        {
            private readonly ValueGetter<ReadOnlyMemory<char>> _getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
            private ReadOnlyMemory<char> _value;

            public override ReadOnlySpan<char> Read(long row)
            {
                _getter(ref _value);
                var span = _value.Span.Trim();
                if (span.IsEmpty) throw Bad(column, row, "is empty");
                return span;
            }
        }

        private sealed class Integer<T>(DataViewRowCursor cursor, DataViewSchema.Column column) : IdColumn where T : ISpanFormattable
        {
            private readonly ValueGetter<T> _getter = cursor.GetGetter<T>(column);
            private readonly char[] _buffer = new char[24];
            private T _value = default!;

            public override ReadOnlySpan<char> Read(long row)
            {
                _getter(ref _value);
                _value.TryFormat(_buffer, out int written, default, CultureInfo.InvariantCulture);
                return _buffer.AsSpan(0, written);
            }
        }

        private sealed class Key<T>(DataViewRowCursor cursor, DataViewSchema.Column column, string[]? labels) : IdColumn
            where T : struct, IConvertible
        {
            private readonly ValueGetter<T> _getter = cursor.GetGetter<T>(column);
            private readonly char[] _buffer = new char[24];
            private T _value;

            public override ReadOnlySpan<char> Read(long row)
            {
                _getter(ref _value);
                ulong key = _value.ToUInt64(CultureInfo.InvariantCulture);
                if (key == 0) throw Bad(column, row, "is a missing key (0)");
                if (labels != null)
                {
                    if (key > (ulong)labels.Length) throw Bad(column, row, $"has key {key} beyond its {labels.Length} key values");
                    return labels[(int)(key - 1)];
                }
                (key - 1).TryFormat(_buffer, out int written, default, CultureInfo.InvariantCulture);
                return _buffer.AsSpan(0, written);
            }
        }
    }
}
