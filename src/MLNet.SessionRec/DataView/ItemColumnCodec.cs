using System.Globalization;
using System.Numerics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec;

/// <summary>
/// Translates an item column (text, an integer type or a key type; scalar or vector) to the model's dense item
/// indices and recommended indices back to that column's item type. Ids are matched by text as the data layer
/// reads them: text as is, integers in invariant culture, keys by their text <c>KeyValues</c> or else their
/// zero-based key index. Unknown or missing items are skipped and counted.
/// </summary>
internal abstract class ItemColumnCodec
{
    /// <summary>Element type of the column, also the element type of the predicted items.</summary>
    public abstract DataViewType ItemType { get; }

    /// <summary>Items that the item type can express (null = all).</summary>
    public abstract bool[]? Representable { get; }

    /// <summary>Annotations of the predicted-items column (the key values of a key type).</summary>
    public abstract DataViewSchema.Annotations OutputAnnotations { get; }

    /// <summary>Reads one row's items as dense indices into a list; returns the number of unknown items skipped.</summary>
    public delegate int SessionReader(List<int> items);

    /// <summary>Creates a reader of <paramref name="column"/> in <paramref name="row"/>.</summary>
    public abstract SessionReader CreateReader(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Creates a getter that writes the item indices given by <paramref name="current"/> as item values.</summary>
    public abstract Delegate CreateOutputGetter(Func<(int[] Items, int Offset, int Count)> current);

    /// <summary>Null when the column can hold session items, else why not.</summary>
    public static string? CheckType(DataViewType type)
    {
        var item = type is VectorDataViewType vector ? vector.ItemType : type;
        return item is TextDataViewType or KeyDataViewType || IsInteger(item) ? null
            : $"expected a vector (or scalar) of text, integer or key item ids, got {type}";
    }

    /// <summary>Creates the codec of <paramref name="column"/> for <paramref name="items"/>.</summary>
    public static ItemColumnCodec Create(DataViewSchema.Column column, ItemVocabulary items)
    {
        string? error = CheckType(column.Type);
        if (error != null) throw SchemaErrors.Mismatch("inputSchema", "item", column.Name, "a vector (or scalar) of text, integer or key item ids", $"{column.Type}");
        var item = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
        if (item is TextDataViewType) return new TextCodec(items);
        if (item is KeyDataViewType key)
        {
            string[]? labels = null;
            if (column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues)?.Type is VectorDataViewType { ItemType: TextDataViewType })
            {
                VBuffer<ReadOnlyMemory<char>> names = default;
                column.GetKeyValues(ref names);
                labels = names.DenseValues().Select(v => v.ToString()).ToArray();
            }
            return key.RawType == typeof(uint) ? new KeyCodec<uint>(key, column.Annotations, labels, items)
                : key.RawType == typeof(ulong) ? new KeyCodec<ulong>(key, column.Annotations, labels, items)
                : key.RawType == typeof(ushort) ? new KeyCodec<ushort>(key, column.Annotations, labels, items)
                : new KeyCodec<byte>(key, column.Annotations, labels, items);
        }
        return item.RawType switch
        {
            var t when t == typeof(int) => new IntegerCodec<int>(item, items),
            var t when t == typeof(long) => new IntegerCodec<long>(item, items),
            var t when t == typeof(uint) => new IntegerCodec<uint>(item, items),
            var t when t == typeof(ulong) => new IntegerCodec<ulong>(item, items),
            var t when t == typeof(short) => new IntegerCodec<short>(item, items),
            var t when t == typeof(ushort) => new IntegerCodec<ushort>(item, items),
            var t when t == typeof(sbyte) => new IntegerCodec<sbyte>(item, items),
            _ => new IntegerCodec<byte>(item, items),
        };
    }

    private static bool IsInteger(DataViewType t) =>
        t == NumberDataViewType.Int32 || t == NumberDataViewType.Int64 || t == NumberDataViewType.UInt32 || t == NumberDataViewType.UInt64 ||
        t == NumberDataViewType.Int16 || t == NumberDataViewType.UInt16 || t == NumberDataViewType.SByte || t == NumberDataViewType.Byte;

    /// <summary>Shared plumbing: values of type <typeparamref name="T"/> to indices and back.</summary>
    private abstract class Codec<T> : ItemColumnCodec
    {
        /// <summary>Dense index of <paramref name="value"/> or -1.</summary>
        protected abstract int IndexOf(in T value);

        /// <summary>The value of each dense index (default where not representable).</summary>
        protected T[] Values = [];

        public override SessionReader CreateReader(DataViewRow row, DataViewSchema.Column column)
        {
            if (column.Type is VectorDataViewType)
            {
                var getter = row.GetGetter<VBuffer<T>>(column);
                VBuffer<T> buffer = default;
                return items =>
                {
                    getter(ref buffer);
                    items.Clear();
                    int unknown = 0;
                    foreach (var value in buffer.DenseValues())
                    {
                        int index = IndexOf(value);
                        if (index >= 0) items.Add(index); else unknown++;
                    }
                    return unknown;
                };
            }
            var scalar = row.GetGetter<T>(column);
            T one = default!;
            return items =>
            {
                scalar(ref one);
                items.Clear();
                int index = IndexOf(one);
                if (index >= 0) items.Add(index);
                return index >= 0 ? 0 : 1;
            };
        }

        public override Delegate CreateOutputGetter(Func<(int[] Items, int Offset, int Count)> current)
        {
            ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> dst) =>
            {
                var (items, offset, count) = current();
                var editor = VBufferEditor.Create(ref dst, count);
                for (int i = 0; i < count; i++) editor.Values[i] = Values[items[offset + i]];
                dst = editor.Commit();
            };
            return getter;
        }
    }

    private sealed class TextCodec : Codec<ReadOnlyMemory<char>>
    {
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public TextCodec(ItemVocabulary items)
        {
            var index = new Dictionary<string, int>(items.Count, StringComparer.Ordinal);
            Values = new ReadOnlyMemory<char>[items.Count];
            for (int i = 0; i < items.Count; i++) { index[items.GetId(i)] = i; Values[i] = items.GetId(i).AsMemory(); }
            _lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public override DataViewType ItemType => TextDataViewType.Instance;
        public override bool[]? Representable => null;
        public override DataViewSchema.Annotations OutputAnnotations => DataViewSchema.Annotations.Empty;

        protected override int IndexOf(in ReadOnlyMemory<char> value) => _lookup.TryGetValue(value.Span.Trim(), out int i) ? i : -1;
    }

    private sealed class IntegerCodec<T> : Codec<T> where T : struct, IBinaryInteger<T>
    {
        private readonly Dictionary<T, int> _index = new();
        private readonly bool[]? _representable;

        public IntegerCodec(DataViewType type, ItemVocabulary items)
        {
            ItemType = type;
            Values = new T[items.Count];
            var representable = new bool[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                string id = items.GetId(i);
                // Only ids that print back identically are the same item ("007" is not 7).
                if (T.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out T v) && v.ToString(null, CultureInfo.InvariantCulture) == id)
                {
                    _index[v] = i; Values[i] = v; representable[i] = true;
                }
            }
            _representable = representable.All(r => r) ? null : representable;
        }

        public override DataViewType ItemType { get; }
        public override bool[]? Representable => _representable;
        public override DataViewSchema.Annotations OutputAnnotations => DataViewSchema.Annotations.Empty;

        protected override int IndexOf(in T value) => _index.TryGetValue(value, out int i) ? i : -1;
    }

    private sealed class KeyCodec<T> : Codec<T> where T : struct, IBinaryInteger<T>
    {
        private readonly int[] _keyToIndex; // by key value; key 0 (missing) maps to -1
        private readonly bool[]? _representable;

        public KeyCodec(KeyDataViewType type, DataViewSchema.Annotations annotations, string[]? labels, ItemVocabulary items)
        {
            ItemType = type;
            // Carry the key values, so that MapKeyToValue turns predicted keys back into the original ids.
            var builder = new DataViewSchema.Annotations.Builder();
            builder.Add(annotations, name => name == AnnotationUtils.Kinds.KeyValues);
            OutputAnnotations = builder.ToAnnotations();
            long count = checked((long)type.Count);
            if (count > Array.MaxLength - 1) throw new ArgumentException($"Key type with {count} values is too large.");
            _keyToIndex = new int[count + 1];
            _keyToIndex[0] = -1;
            Values = new T[items.Count];
            var representable = new bool[items.Count];
            for (long key = 1; key <= count; key++)
            {
                string id = labels != null ? (key <= labels.Length ? labels[key - 1] : "") : (key - 1).ToString(CultureInfo.InvariantCulture);
                if (items.TryGetIndex(id, out int i))
                {
                    _keyToIndex[key] = i;
                    if (!representable[i]) { representable[i] = true; Values[i] = T.CreateChecked(key); }
                }
                else _keyToIndex[key] = -1;
            }
            _representable = representable.All(r => r) ? null : representable;
        }

        public override DataViewType ItemType { get; }
        public override bool[]? Representable => _representable;
        public override DataViewSchema.Annotations OutputAnnotations { get; }

        protected override int IndexOf(in T value)
        {
            ulong key = ulong.CreateTruncating(value);
            return key < (ulong)_keyToIndex.Length ? _keyToIndex[key] : -1;
        }
    }
}
