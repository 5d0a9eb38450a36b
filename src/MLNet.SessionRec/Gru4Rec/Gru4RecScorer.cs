using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Session-parallel GRU4Rec inference: each slot carries its session's GRU hidden state (on the model's device);
/// a step feeds the slots' items through the GRU (evaluation mode: no dropout, no gradients) and scores ALL items by
/// one matrix product. <see cref="StepTopK"/> keeps the top-k selection on the device and copies only k items per slot.
/// Not thread-safe: one scorer per thread (scorers of one model may run in parallel).
/// </summary>
public sealed class Gru4RecScorer : ISessionScorer
{
    private readonly Gru4RecNetwork _net;
    private readonly Tensor[] _state;
    private readonly bool[] _pendingReset;
    private bool _anyPending;

    internal Gru4RecScorer(Gru4RecNetwork net, int slots)
    {
        if (slots <= 0) throw new ArgumentOutOfRangeException(nameof(slots), slots, "A scorer needs at least one slot.");
        _net = net;
        Slots = slots;
        _state = net.ZeroState(slots);
        _pendingReset = new bool[slots];
    }

    /// <inheritdoc/>
    public int Slots { get; }

    /// <summary>Number of items scored per slot.</summary>
    public int ItemCount => _net.ItemCount;

    /// <summary>Size of one slot's state (the sum of the GRU layer sizes), for <see cref="GetState"/>/<see cref="SetState"/>.</summary>
    public int StateSize => _net.Options.LayerSizes.Sum();

    /// <inheritdoc/>
    public void ResetSlot(int slot)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        _pendingReset[slot] = true;
        _anyPending = true;
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<int> items, Span<float> scores)
    {
        int n = _net.ItemCount;
        if (scores.Length < (long)Slots * n) throw new ArgumentException($"scores must hold Slots × items = {(long)Slots * n} values.", nameof(scores));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, active) = Advance(items);
        if (h is null) return;
        using var all = _net.ScoreAll(h).cpu().contiguous();
        var values = MemoryMarshal.Cast<byte, float>(all.bytes);
        if (active is null) values.CopyTo(scores);
        else
            for (int r = 0; r < active.Length; r++)
                values.Slice(r * n, n).CopyTo(scores.Slice(active[r] * n, n));
    }

    /// <summary>
    /// Like <see cref="Step"/>, but returns only each active slot's <paramref name="k"/> best items (dense indices) and
    /// their scores, best first, in rows of length k of <paramref name="topItems"/>/<paramref name="topScores"/>
    /// (Slots × k); rows of idle slots are left as they are. The selection runs on the model's device.
    /// </summary>
    public void StepTopK(ReadOnlySpan<int> items, int k, Span<int> topItems, Span<float> topScores)
    {
        if (k <= 0 || k > _net.ItemCount) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{_net.ItemCount}.");
        if (topItems.Length < Slots * k || topScores.Length < Slots * k) throw new ArgumentException($"The outputs must hold Slots × k = {Slots * k} values.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, active) = Advance(items);
        if (h is null) return;
        var (values, indices) = _net.ScoreAll(h).topk(k, 1, largest: true, sorted: true);
        using var v = values.cpu().contiguous();
        using var ix = indices.to(ScalarType.Int32).cpu().contiguous();
        var vs = MemoryMarshal.Cast<byte, float>(v.bytes);
        var xs = MemoryMarshal.Cast<byte, int>(ix.bytes);
        int rows = active?.Length ?? Slots;
        for (int r = 0; r < rows; r++)
        {
            int slot = active?[r] ?? r;
            vs.Slice(r * k, k).CopyTo(topScores.Slice(slot * k, k));
            xs.Slice(r * k, k).CopyTo(topItems.Slice(slot * k, k));
        }
    }

    /// <summary>Copies slot <paramref name="slot"/>'s hidden state (layers concatenated) into <paramref name="destination"/>.</summary>
    public void GetState(int slot, Span<float> destination)
    {
        ApplyResets();
        int offset = 0;
        foreach (var layer in _state)
        {
            using var row = layer[slot].cpu().contiguous();
            var v = MemoryMarshal.Cast<byte, float>(row.bytes);
            v.CopyTo(destination.Slice(offset));
            offset += v.Length;
        }
    }

    /// <summary>Sets slot <paramref name="slot"/>'s hidden state from <see cref="GetState"/>'s layout.</summary>
    public void SetState(int slot, ReadOnlySpan<float> source)
    {
        if (source.Length != StateSize) throw new ArgumentException($"A state has {StateSize} values.", nameof(source));
        _pendingReset[slot] = false;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int offset = 0;
        foreach (var layer in _state)
        {
            int size = (int)layer.shape[1];
            layer[slot].copy_(tensor(source.Slice(offset, size).ToArray()).to(layer.device));
            offset += size;
        }
    }

    private void ApplyResets()
    {
        if (!_anyPending) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = new List<long>();
        for (int s = 0; s < Slots; s++) if (_pendingReset[s]) { rows.Add(s); _pendingReset[s] = false; }
        var index = tensor(rows.ToArray(), device: _state[0].device);
        foreach (var layer in _state) layer.index_fill_(0, index, 0);
        _anyPending = false;
    }

    /// <summary>Feeds the active slots' items; returns their last-layer outputs and the active slots (null = all).</summary>
    private (Tensor? H, int[]? Active) Advance(ReadOnlySpan<int> items)
    {
        if (items.Length < Slots) throw new ArgumentException($"items must hold one entry per slot ({Slots}).", nameof(items));
        ApplyResets();
        var active = new List<int>(Slots);
        var x = new long[Slots];
        int n = 0;
        for (int s = 0; s < Slots; s++)
        {
            int item = items[s];
            if (item < 0) continue;
            if (item >= _net.ItemCount) throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index {item} is outside the model's {_net.ItemCount} items.");
            active.Add(s);
            x[n++] = item;
        }
        if (n == 0) return (null, null);
        var device = _state[0].device;
        if (n == Slots) return (_net.EvalStep(tensor(x, device: device), _state), null);
        var rows = tensor(active.Select(s => (long)s).ToArray(), device: device);
        var sub = _state.Select(layer => layer.index_select(0, rows)).ToArray();
        var h = _net.EvalStep(tensor(x.AsSpan(0, n).ToArray(), device: device), sub);
        for (int i = 0; i < _state.Length; i++) _state[i].index_copy_(0, rows, sub[i]);
        return (h, active.ToArray());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _state) t.Dispose();
    }
}
