using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec;

/// <summary>
/// The output of <see cref="SessionRecommendationTransformer.Transform"/>: the input's columns plus the predicted
/// items and scores, computed lazily in batches. A cursor that needs an output column reads ahead with a second
/// input cursor (session column only), scores a batch of rows through one multi-slot scorer and then serves the
/// rows one by one; both cursors see the same row order (checked through row ids).
/// </summary>
internal sealed class RecommendationDataView : IDataView
{
    private readonly IDataView _input;
    private readonly RecommendationBinding _binding;

    public RecommendationDataView(IDataView input, RecommendationBinding binding)
    {
        _input = input;
        _binding = binding;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema => _binding.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool outputs = needed.Any(_binding.IsOutput);
        var inputColumns = _input.Schema.Where(c => needed.Contains(c.Index)).ToList();
        var main = _input.GetRowCursor(inputColumns);
        var ahead = outputs ? _input.GetRowCursor(new[] { _binding.InputColumn }) : null;
        return new Cursor(_binding, main, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly RecommendationBinding _binding;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _ahead;
        private readonly HashSet<int> _active;
        private readonly SessionBatchScorer? _scorer;
        private readonly ItemColumnCodec.SessionReader? _read;
        private readonly ValueGetter<DataViewRowId>? _mainId, _aheadId;
        private readonly List<int>[] _prefixes = [];
        private readonly DataViewRowId[] _ids = [];
        private int _rows, _row = -1;
        private long _unknown;
        private bool _disposed;

        public Cursor(RecommendationBinding binding, DataViewRowCursor main, DataViewRowCursor? ahead, HashSet<int> active)
        {
            _binding = binding;
            _main = main;
            _ahead = ahead;
            _active = active;
            if (ahead == null) return;
            int slots = binding.BatchSlots;
            _scorer = binding.CreateScorer(slots);
            _read = binding.Codec.CreateReader(ahead, ahead.Schema[binding.InputColumn.Index]);
            _prefixes = Enumerable.Range(0, slots).Select(_ => new List<int>()).ToArray();
            _ids = new DataViewRowId[slots];
            _mainId = main.GetIdGetter();
            _aheadId = ahead.GetIdGetter();
        }

        public override DataViewSchema Schema => _binding.OutputSchema;

        public override long Position => _main.Position;

        public override long Batch => _main.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (_ahead == null) return true;
            if (++_row >= _rows) FillBatch();
            DataViewRowId id = default;
            _mainId!(ref id);
            if (_row >= _rows || !id.Equals(_ids[_row]))
                throw new InvalidOperationException("The input IDataView returned its rows in a different order to two cursors; session recommendation needs a deterministic row order.");
            return true;
        }

        private void FillBatch()
        {
            _rows = 0;
            _row = 0;
            while (_rows < _prefixes.Length && _ahead!.MoveNext())
            {
                _unknown += _read!(_prefixes[_rows]);
                _aheadId!(ref _ids[_rows]);
                _rows++;
            }
            _binding.Parent.CheckAlive();
            using var use = _binding.Parent.EnterUse();
            _scorer!.Score(_prefixes, _rows);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            if (!_binding.IsOutput(column.Index)) return _main.GetGetter<TValue>(_main.Schema[column.Index]);
            var getter = _binding.CreateOutputGetter(column.Index, _scorer!, () => _row);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            if (disposing)
            {
                _main.Dispose();
                _ahead?.Dispose();
                _scorer?.Dispose();
                if (_unknown > 0) _binding.Parent.ReportUnknownItems(_unknown);
            }
            base.Dispose(disposing);
        }
    }
}
