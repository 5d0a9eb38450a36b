using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec;

/// <summary>
/// Row-by-row face of the transformer (what <c>PredictionEngine</c> and transformer chains use): each output row
/// scores its input row's session when an output is first read at a new position.
/// </summary>
internal sealed class RecommendationRowMapper : IRowToRowMapper
{
    private readonly RecommendationBinding _binding;

    public RecommendationRowMapper(RecommendationBinding binding) => _binding = binding;

    public DataViewSchema InputSchema => _binding.InputSchema;

    public DataViewSchema OutputSchema => _binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var indices = dependingColumns.Select(c => c.Index).ToHashSet();
        if (indices.Any(_binding.IsOutput)) indices.Add(_binding.InputColumn.Index);
        return InputSchema.Where(c => indices.Contains(c.Index)).ToList();
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        if (input.Schema != InputSchema) throw new ArgumentException("The row's schema is not the schema this mapper was created for.", nameof(input));
        return new Row(_binding, input, activeColumns.Select(c => c.Index).ToHashSet());
    }

    private sealed class Row : DataViewRow
    {
        private readonly RecommendationBinding _binding;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly List<int>[] _prefix = [new List<int>()];
        private SessionBatchScorer? _scorer;
        private ItemColumnCodec.SessionReader? _read;
        private long _scoredPosition = -1;
        private bool _disposed;

        public Row(RecommendationBinding binding, DataViewRow input, HashSet<int> active)
        {
            _binding = binding;
            _input = input;
            _active = active;
        }

        public override DataViewSchema Schema => _binding.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            if (!_binding.IsOutput(column.Index)) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            _scorer ??= _binding.CreateScorer(1);
            _read ??= _binding.Codec.CreateReader(_input, _binding.InputColumn);
            var getter = _binding.CreateOutputGetter(column.Index, _scorer, CurrentRow);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }

        // Scores the input row once per position; both output getters share the result.
        private int CurrentRow()
        {
            if (_scoredPosition != _input.Position || _input.Position < 0)
            {
                int unknown = _read!(_prefix[0]);
                if (unknown > 0) _binding.Parent.ReportUnknownItems(unknown);
                using var use = _binding.Parent.EnterUse();
                _scorer!.Score(_prefix, 1);
                _scoredPosition = _input.Position;
            }
            return 0;
        }

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            if (disposing) _scorer?.Dispose();
            base.Dispose(disposing);
        }
    }
}
