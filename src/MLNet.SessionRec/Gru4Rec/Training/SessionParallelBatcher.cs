using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Session-parallel mini-batches as in the official GRU4Rec: sessions in dataset order (first-event time),
/// <c>batchSize</c> slots, input = current item, target = next item. A slot whose session is used up takes the next
/// session (its hidden state must be zeroed: <see cref="ResetSlots"/>); when no session is left the slot is removed
/// and the batch shrinks (<see cref="KeptSlots"/>); the epoch ends when every session is used (no tail dropped).
/// Sessions shorter than 2 events have no target and are skipped.
/// </summary>
internal sealed class SessionParallelBatcher
{
    private readonly int[] _items;
    private readonly int[] _offsets;
    private readonly int[] _pos;      // per slot: index of the current input event in _items
    private readonly int[] _end;      // per slot: end offset of its session
    private readonly List<int> _reset = new();
    private readonly List<int> _kept = new();
    private int _nextSession;
    private bool _started;

    public SessionParallelBatcher(SessionDataset data, int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        _items = data.ItemIndices;
        _offsets = data.SessionOffsets;
        _pos = new int[batchSize];
        _end = new int[batchSize];
        Inputs = new int[batchSize];
        Targets = new int[batchSize];
    }

    /// <summary>Active slots of the current step (rows 0..Count-1 of <see cref="Inputs"/> / <see cref="Targets"/>).</summary>
    public int Count { get; private set; }

    /// <summary>Input item per active slot.</summary>
    public int[] Inputs { get; }

    /// <summary>Target (next) item per active slot.</summary>
    public int[] Targets { get; }

    /// <summary>Slots (numbered after shrinking) that started a new session at this step: zero their hidden state.</summary>
    public IReadOnlyList<int> ResetSlots => _reset;

    /// <summary>
    /// When the batch shrank at this step: the previous step's slots that survive, in order (apply before
    /// <see cref="ResetSlots"/>); null when nothing was removed.
    /// </summary>
    public IReadOnlyList<int>? KeptSlots { get; private set; }

    private bool TakeNextSession(int slot)
    {
        while (_nextSession < _offsets.Length - 1)
        {
            int s = _nextSession++;
            if (_offsets[s + 1] - _offsets[s] < 2) continue;
            _pos[slot] = _offsets[s];
            _end[slot] = _offsets[s + 1];
            return true;
        }
        return false;
    }

    /// <summary>Advances to the next mini-batch; false when the epoch is over.</summary>
    public bool MoveNext()
    {
        _reset.Clear();
        KeptSlots = null;
        if (!_started)
        {
            _started = true;
            int n = 0;
            while (n < _pos.Length && TakeNextSession(n)) _reset.Add(n++);
            Count = n;
        }
        else
        {
            _kept.Clear();
            int n = 0;
            for (int slot = 0; slot < Count; slot++)
            {
                int pos = _pos[slot] + 1, end = _end[slot];
                bool alive = true, fresh = false;
                if (pos + 1 >= end) // no target left: take the next session or drop the slot
                {
                    alive = TakeNextSession(slot);
                    fresh = true;
                    pos = _pos[slot];
                    end = _end[slot];
                }
                if (!alive) continue;
                _pos[n] = pos;
                _end[n] = end;
                if (fresh) _reset.Add(n);
                _kept.Add(slot);
                n++;
            }
            if (n < Count) KeptSlots = _kept;
            Count = n;
        }
        for (int i = 0; i < Count; i++)
        {
            Inputs[i] = _items[_pos[i]];
            Targets[i] = _items[_pos[i] + 1];
        }
        return Count > 0;
    }
}
