using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec;

/// <summary>
/// Pushes a raw item id through the transforms that come before the session recommendation transformer in a model's
/// chain (a <c>CopyColumns</c>, a text normalisation, a value mapping...) and reads the transformed item column as the
/// model's item indices, exactly as <c>Transform</c> of a row holding that id would. The row-to-row mapper is built
/// once per recommender; each call rents a one-row context (input row, mapped row, reader) from a lock-free pool, so
/// concurrent sessions never share one.
/// </summary>
internal sealed class UpstreamItemMapper : IDisposable
{
    private readonly Func<Context> _create;
    private readonly ConcurrentBag<Context> _pool = new();
    private int _pooled;
    private bool _disposed;

    private UpstreamItemMapper(string rawColumnName, Func<Context> create)
    {
        RawColumnName = rawColumnName;
        _create = create;
    }

    /// <summary>The chain's input column that the raw item ids feed.</summary>
    public string RawColumnName { get; }

    /// <summary>
    /// The mapper of <paramref name="upstream"/> (the transforms before <paramref name="transformer"/>) for raw ids of
    /// the input column <paramref name="inputItemColumnName"/> (default: the transformer's item column), or null when
    /// there is nothing upstream.
    /// </summary>
    /// <exception cref="ArgumentException">The raw item column is not in the chain's input, or cannot take ids.</exception>
    public static UpstreamItemMapper? Create(IReadOnlyList<ITransformer> upstream, DataViewSchema? inputSchema,
        SessionRecommendationTransformer transformer, string? inputItemColumnName)
    {
        if (inputItemColumnName != null) ArgumentException.ThrowIfNullOrWhiteSpace(inputItemColumnName);
        if (upstream.Count == 0) return null;
        string raw = inputItemColumnName ?? transformer.InputColumnName;
        // A model saved without its input schema: the raw item column as text is all there is to go on.
        if (inputSchema == null)
        {
            var builder = new DataViewSchema.Builder();
            builder.AddColumn(raw, TextDataViewType.Instance);
            inputSchema = builder.ToSchema();
        }
        var column = inputSchema.GetColumnOrNull(raw) ?? throw new ArgumentException(
            $"The model's input has no column '{raw}' to feed raw item ids through the transforms before its session recommender " +
            $"(whose item column '{transformer.InputColumnName}' they make; input columns: {string.Join(", ", inputSchema.Select(c => $"'{c.Name}'"))}): " +
            "pass inputItemColumnName, the input column that holds the raw item ids.", nameof(inputItemColumnName));
        ITransformer chain = new TransformerChain<ITransformer>(upstream.ToArray());
        if (!chain.IsRowToRowMapper)
            throw new ArgumentException($"The transforms before the session recommender ({string.Join(", ", upstream.Select(t => t.GetType().Name))}) " +
                "do not all map rows one to one: the streaming recommender cannot apply them to one event.", "model");
        var mapper = chain.GetRowToRowMapper(inputSchema);
        var output = mapper.OutputSchema.GetColumnOrNull(transformer.InputColumnName) ?? throw new ArgumentException(
            $"The transforms before the session recommender do not make its item column '{transformer.InputColumnName}' from input column '{raw}'.", "model");
        var codec = ItemColumnCodec.Create(output, transformer.Model.Items);
        var schema = inputSchema;
        Func<Context> create = column.Type.RawType switch
        {
            var t when t == typeof(ReadOnlyMemory<char>) => Factory<ReadOnlyMemory<char>>(s => (true, s.AsMemory())),
            var t when t == typeof(int) => Factory<int>(s => (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(long) => Factory<long>(s => (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(uint) && column.Type is not KeyDataViewType => Factory<uint>(s => (uint.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(ulong) && column.Type is not KeyDataViewType => Factory<ulong>(s => (ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(short) => Factory<short>(s => (short.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(float) => Factory<float>(s => (float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v), v)),
            var t when t == typeof(double) => Factory<double>(s => (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v), v)),
            _ => throw new ArgumentException($"The raw item column '{raw}' is of type {column.Type}: the streaming recommender feeds item ids as text or numbers.", nameof(inputItemColumnName)),
        };
        return new UpstreamItemMapper(raw, create);

        Func<Context> Factory<T>(Func<string, (bool Ok, T Value)> parse) => () =>
        {
            var input = new InputRow<T>(schema, column.Index);
            var row = mapper.GetRow(input, [output]);
            return new Context<T>(input, row, codec.CreateReader(row, output), parse);
        };
    }

    /// <summary>Clears <paramref name="items"/> and adds the model's indices of <paramref name="itemId"/> as the upstream transforms make them; returns the unknown items skipped.</summary>
    public int Map(string itemId, List<int> items)
    {
        var context = _pool.TryTake(out var pooled) ? pooled : _create();
        if (pooled != null) Interlocked.Decrement(ref _pooled);
        try { return context.Map(itemId, items); }
        finally
        {
            if (!Volatile.Read(ref _disposed) && Interlocked.Increment(ref _pooled) <= 4 * Environment.ProcessorCount) _pool.Add(context);
            else
            {
                Interlocked.Decrement(ref _pooled);
                context.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        while (_pool.TryTake(out var context)) context.Dispose();
    }

    private abstract class Context : IDisposable
    {
        public abstract int Map(string itemId, List<int> items);
        public abstract void Dispose();
    }

    private sealed class Context<T>(InputRow<T> input, DataViewRow row, ItemColumnCodec.SessionReader reader, Func<string, (bool Ok, T Value)> parse) : Context
    {
        public override int Map(string itemId, List<int> items)
        {
            var (ok, value) = parse(itemId);
            if (!ok) { items.Clear(); return 1; }
            input.Set(value);
            return reader(items);
        }

        public override void Dispose() => row.Dispose();
    }

    /// <summary>One input row of the chain's input schema: the raw item column holds the current id, other columns their default.</summary>
    private sealed class InputRow<T>(DataViewSchema schema, int rawIndex) : DataViewRow
    {
        private T _value = default!;
        private long _position = -1;

        // A new position per id: ML.NET getters cache their value per row position.
        public void Set(T value)
        {
            _value = value;
            _position++;
        }

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != rawIndex) return (ref TValue value) => value = default!;
            ValueGetter<T> getter = (ref T value) => value = _value;
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' is of type {column.Type}, not {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);
    }
}
