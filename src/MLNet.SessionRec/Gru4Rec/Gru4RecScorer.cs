using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Session-parallel GRU4Rec inference: each slot carries its session's GRU hidden state (on the model's device).
/// <see cref="Advance"/> feeds the slots' items through the GRU (evaluation mode: no dropout, no gradients) without
/// scoring; <see cref="TopK"/> and <see cref="Rank"/> score the current states on the device in item chunks
/// (h·Wy[chunk]ᵀ + By[chunk], at most <see cref="ScoreBudget"/> scores at a time) and copy only k items or one rank
/// per slot to the host. On a CPU, lists of a trained model with a large catalog come from its
/// <see cref="QuantizedItemIndex"/> (the same exact top-k, reading a quarter of the bytes; see <see cref="UseQuantizedIndex"/>).
/// Not thread-safe: one scorer per thread (scorers of one model may run in parallel).
/// </summary>
public sealed class Gru4RecScorer : ISessionScorer, IParallelScorer
{
    /// <summary>Default bound of the scores computed at once (slots × items of one chunk): 2^25 floats (128 MB).</summary>
    public const long DefaultScoreBudget = 1L << 25;

    private const int StateVersion = 1;

    // Constant Scalars of the scoring ops, made once and kept alive: TorchSharp 0.107 frees a temporary Scalar (an
    // implicit float -> Scalar) in its finalizer, which can run while the native op still reads it (see AdagradMomentum).
    private static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();
    private static readonly Scalar NaN = float.NaN.ToScalar();
    private static readonly Scalar Zero = 0.ToScalar();

    private readonly Gru4RecNetwork _net;
    private readonly UsageGuard? _guard; // the model's: every call that reads its weights enters it
    private readonly Lazy<QuantizedItemIndex?>? _index; // the model's, for lists on a CPU (null: none)
    private readonly Lazy<CpuScoreKernel?>? _kernel;    // the model's, for ranks and lists of several rows on a CPU
    private readonly Tensor[] _state;
    private readonly bool[] _pendingReset;
    private bool _anyPending;
    private bool[]? _maskSource;
    private Tensor? _disallowed;
    private long _allowedCount;
    private Tensor? _cachedScores; // the scores of the last Rank (one chunk) for _cachedRows, until the state moves
    private int[]? _cachedRows;

    internal Gru4RecScorer(Gru4RecNetwork net, int slots, UsageGuard? guard = null, Lazy<QuantizedItemIndex?>? index = null,
        Lazy<CpuScoreKernel?>? kernel = null)
    {
        if (slots <= 0) throw new ArgumentOutOfRangeException(nameof(slots), slots, "A scorer needs at least one slot.");
        _net = net;
        _guard = guard;
        _index = index;
        _kernel = kernel;
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

    /// <summary>
    /// Items scored per chunk; null (default) = as many as keep rows × chunk within <see cref="ScoreBudget"/>. Ranks
    /// and lists do not depend on it (up to the last bit of the scores, which the matrix product may round differently).
    /// </summary>
    public int? ItemChunk { get; set; }

    /// <summary>Bound of the scores computed at once when <see cref="ItemChunk"/> is null; default <see cref="DefaultScoreBudget"/>.</summary>
    public long ScoreBudget { get; set; } = DefaultScoreBudget;

    /// <inheritdoc/>
    public void ResetSlot(int slot)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        _pendingReset[slot] = true;
        _anyPending = true;
    }

    /// <inheritdoc/>
    /// <inheritdoc/>
    public void Advance(ReadOnlySpan<int> items)
    {
        using var lease = UsageGuard.Enter(_guard);
        using var threads = TorchThreads.Use(TorchThreadCount);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        AdvanceCore(items);
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<int> items, Span<float> scores)
    {
        int n = _net.ItemCount;
        if (scores.Length < (long)Slots * n) throw new ArgumentException($"scores must hold Slots × items = {(long)Slots * n} values.", nameof(scores));
        using var lease = UsageGuard.Enter(_guard);
        using var threads = TorchThreads.Use(TorchThreadCount);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, active) = AdvanceCore(items);
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
        if (topItems.Length < (long)Slots * k || topScores.Length < (long)Slots * k) throw new ArgumentException($"The outputs must hold Slots × k = {(long)Slots * k} values.");
        Advance(items);
        var active = new List<int>(Slots);
        for (int s = 0; s < Slots; s++) if (items[s] >= 0) active.Add(s);
        if (active.Count == 0) return;
        var rowItems = new int[active.Count * k];
        var rowScores = new float[active.Count * k];
        var counts = new int[active.Count];
        TopK(active.ToArray(), k, null, rowItems, rowScores, counts);
        for (int r = 0; r < active.Count; r++)
        {
            rowItems.AsSpan(r * k, k).CopyTo(topItems.Slice(active[r] * k, k));
            rowScores.AsSpan(r * k, k).CopyTo(topScores.Slice(active[r] * k, k));
        }
    }

    /// <inheritdoc/>
    public void TopK(ReadOnlySpan<int> slots, int k, bool[]? allowed, Span<int> items, Span<float> scores, Span<int> counts)
    {
        int n = _net.ItemCount;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        int rows = slots.Length;
        if (items.Length < (long)rows * k || scores.Length < (long)rows * k || counts.Length < rows) throw new ArgumentException($"The outputs must hold {rows} rows of {k}.");
        if (allowed is not null && allowed.Length != n) throw new ArgumentException($"allowed must hold one entry per item ({n}).", nameof(allowed));
        if (rows == 0) return;
        foreach (int s in slots) if ((uint)s >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slots), s, $"Slot {s} is outside 0..{Slots - 1}.");
        using var lease = UsageGuard.Enter(_guard);
        using var threads = TorchThreads.Use(TorchThreadCount);
        ApplyResets();
        // The scores of the last Rank are at hand for the same rows (evaluation); otherwise, on a CPU, the index.
        bool cached = _cachedRows is not null && slots.SequenceEqual(_cachedRows);
        if (!cached && k <= n && KernelFor(rows) is { } kernel && KernelPass(kernel, slots.ToArray(), [], default, [], k, allowed, items, scores, counts)) return;
        if (!cached && allowed is null && UseIndex is { } index && IndexTopK(index, slots, k, items, scores, counts)) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var disallowed = Mask(allowed);
        long m = allowed is null ? n : _allowedCount;
        int kk = (int)Math.Min((long)k + 1, n); // one more than k: shows whether the k-th score is tied with the next
        var h = Hidden(slots.ToArray());
        long chunk = ChunkFor(rows);
        Tensor? bestValues = null, bestIndices = null;
        for (long c0 = 0; c0 < n; c0 += chunk)
        {
            long c1 = Math.Min(n, c0 + chunk);
            using var inner = NewDisposeScope();
            var s = chunk >= n && cached ? _cachedScores!.alias() : Scores(h, c0, c1, chunk >= n);
            if (disallowed is not null) s = s.masked_fill(disallowed.narrow(0, c0, c1 - c0), NegativeInfinity);
            var (v, ix) = s.topk((int)Math.Min(kk, c1 - c0), 1, largest: true, sorted: false);
            if (c0 > 0)
            {
                using var offset = c0.ToScalar();
                ix.add_(offset);
            }
            if (bestValues is not null)
            {
                var allV = cat([bestValues, v], 1);
                var allI = cat([bestIndices!, ix], 1);
                var (mv, pos) = allV.topk((int)Math.Min(kk, allV.shape[1]), 1, largest: true, sorted: false);
                v = mv;
                ix = allI.gather(1, pos);
            }
            bestValues = v.MoveToOuterDisposeScope();
            bestIndices = ix.MoveToOuterDisposeScope();
        }
        int width = (int)bestValues!.shape[1];
        using var hostValues = bestValues.cpu().contiguous();
        using var hostIndices = bestIndices!.to(ScalarType.Int32).cpu().contiguous();
        var vs = MemoryMarshal.Cast<byte, float>(hostValues.bytes);
        var xs = MemoryMarshal.Cast<byte, int>(hostIndices.bytes);
        var candidates = new (float Value, int Item)[width];
        for (int r = 0; r < rows; r++)
        {
            int f = 0;
            bool nan = false;
            for (int j = 0; j < width; j++)
            {
                int item = xs[r * width + j];
                float value = vs[r * width + j];
                nan |= float.IsNaN(value);
                if (allowed is null || allowed[item]) candidates[f++] = (value, item);
            }
            Array.Sort(candidates, 0, f, CandidateOrder.Instance);
            // The device's candidates give the exact list (ties by lower index) when the k-th is not tied with a
            // score left out, or when every allowed item is a candidate; otherwise (rare) select on the host.
            bool exact = !nan && (f > k ? candidates[k - 1].Value != candidates[k].Value : f == m);
            var rowItems = items.Slice(r * k, k);
            var rowScores = scores.Slice(r * k, k);
            if (exact)
            {
                int count = Math.Min(k, f);
                for (int j = 0; j < count; j++) { rowItems[j] = candidates[j].Item; rowScores[j] = candidates[j].Value; }
                counts[r] = count;
            }
            else counts[r] = HostTopK(slots[r], k, allowed, rowItems, rowScores);
        }
    }

    /// <inheritdoc/>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    // torch runs this scorer's ops on one thread on the CPU (see TorchThreads; on a GPU the setting is left alone):
    // the GRU step is too small to share, the heavy scoring runs in CpuScoreKernel on its own threads, and torch's
    // product of a few rows sums in another order when it splits them across threads, so one thread keeps ranks and
    // lists the same on any machine.
    private int TorchThreadCount => _net.Device.type == DeviceType.CPU ? 1 : 0;

    /// <summary>
    /// Whether ranks and lists of <see cref="CpuScoreKernel.MinimumRows"/> or more rows on a CPU come from the fused
    /// kernel (default true where the model has one): the same scores, ranks and lists as the product, in one pass.
    /// </summary>
    public bool UseScoreKernel { get; set; } = true;

    private CpuScoreKernel? KernelFor(int rows) =>
        UseScoreKernel && ItemChunk is null && rows >= CpuScoreKernel.MinimumRows ? _kernel?.Value : null;

    /// <summary>Threads for <paramref name="rows"/> rows: every core allowed once a call has ~16M multiply-adds per thread.</summary>
    private int ThreadsFor(int rows)
    {
        long work = (long)rows * _net.ItemCount * _net.Options.LayerSizes[^1];
        int cores = MaxDegreeOfParallelism > 0 ? Math.Min(MaxDegreeOfParallelism, Environment.ProcessorCount) : Environment.ProcessorCount;
        return (int)Math.Clamp(work / (1L << 24), 1, Math.Max(1, cores));
    }

    // Ranks and/or lists of the given slots from the kernel; false when a row's scores are not finite (the caller
    // then uses the torch path, which reports NaN targets and orders NaN scores as before).
    private bool KernelPass(CpuScoreKernel kernel, int[] slots, ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks,
        int k, bool[]? allowed, Span<int> items, Span<float> scores, Span<int> counts)
    {
        int rows = slots.Length;
        var states = LastLayerRows(slots);
        var greater = new long[targets.IsEmpty ? 0 : rows];
        var equal = new long[greater.Length];
        var finite = new bool[rows];
        kernel.Run(states, rows, targets, greater, equal, k, allowed, items, scores, counts, finite, ThreadsFor(rows));
        foreach (bool ok in finite) if (!ok) return false;
        for (int r = 0; r < greater.Length; r++) ranks[slots[r]] = RankOf(ties, greater[r], equal[r]);
        return true;
    }

    // Lists and ranks up to k from the quantized index: exact lists, exact ranks where the target is among the best k
    // (+∞ elsewhere); false when a state or score is not finite (the caller then uses the full product).
    private bool IndexPass(QuantizedItemIndex index, CpuScoreKernel kernel, int[] slots, int[] targets, TieHandling ties, Span<double> ranks,
        int k, Span<int> items, Span<float> scores, Span<int> counts)
    {
        int rows = slots.Length;
        var states = LastLayerRows(slots);
        var greater = new long[rows];
        var equal = new long[rows];
        var topItems = new int[rows * k];
        var topScores = new float[rows * k];
        var topCounts = new int[rows];
        if (!index.RankAndTopK(states, rows, targets, kernel, k, greater, equal, topItems, topScores, topCounts, ThreadsFor(rows))) return false;
        IndexPasses++;
        for (int r = 0; r < rows; r++) ranks[slots[r]] = greater[r] < 0 ? double.PositiveInfinity : RankOf(ties, greater[r], equal[r]);
        topItems.CopyTo(items);
        topScores.CopyTo(scores);
        topCounts.CopyTo(counts);
        return true;
    }

    /// <summary>The last layer's state of the given slots on the host, row after row.</summary>
    private float[] LastLayerRows(ReadOnlySpan<int> slots)
    {
        int units = (int)_state[^1].shape[1];
        var rows = new float[slots.Length * units];
        using var host = _state[^1].cpu().contiguous();
        var all = MemoryMarshal.Cast<byte, float>(host.bytes);
        for (int r = 0; r < slots.Length; r++) all.Slice(slots[r] * units, units).CopyTo(rows.AsSpan(r * units, units));
        return rows;
    }

    /// <inheritdoc/>
    public void RankAndTopK(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks, int k, Span<int> items, Span<float> scores, Span<int> counts) =>
        RankAndTopK(targets, ties, ranks, k, items, scores, counts, ranksWithinK: false);

    /// <inheritdoc/>
    public void RankAndTopK(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks, int k, Span<int> items, Span<float> scores, Span<int> counts,
        bool ranksWithinK)
    {
        var (slots, active) = Targets(targets, ranks);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        if (items.Length < (long)slots.Length * k || scores.Length < (long)slots.Length * k || counts.Length < slots.Length) throw new ArgumentException($"The outputs must hold {slots.Length} rows of {k}.");
        if (slots.Length > 0 && k <= _net.ItemCount && KernelFor(slots.Length) is { } kernel)
        {
            using var lease = UsageGuard.Enter(_guard);
            ApplyResets();
            DropCachedScores();
            if (ranksWithinK && QuantizedItemIndex.SupportsRows && UseIndex is { } index && IndexPass(index, kernel, slots, active, ties, ranks, k, items, scores, counts)) return;
            if (KernelPass(kernel, slots, active, ties, ranks, k, null, items, scores, counts)) return;
        }
        Rank(targets, ties, ranks);
        TopK(slots, k, null, items, scores, counts);
    }

    // The slots with a target (checked against the catalog) and their targets.
    private (int[] Slots, int[] Targets) Targets(ReadOnlySpan<int> targets, Span<double> ranks)
    {
        int n = _net.ItemCount;
        if (targets.Length < Slots || ranks.Length < Slots) throw new ArgumentException($"targets and ranks must hold one entry per slot ({Slots}).");
        var slots = new List<int>(Slots);
        var active = new List<int>(Slots);
        for (int s = 0; s < Slots; s++)
        {
            if (targets[s] < 0) continue;
            if (targets[s] >= n) throw new ArgumentOutOfRangeException(nameof(targets), targets[s], $"Item index {targets[s]} is outside the model's {n} items.");
            slots.Add(s);
            active.Add(targets[s]);
        }
        return (slots.ToArray(), active.ToArray());
    }

    /// <summary>
    /// Whether lists, and evaluation's ranks within k (<see cref="RankAndTopK(ReadOnlySpan{int}, TieHandling, Span{double}, int, Span{int}, Span{float}, Span{int}, bool)"/>,
    /// which also needs <see cref="UseScoreKernel"/>), use the quantized index (default true where the model has one);
    /// false: always the full product.
    /// </summary>
    public bool UseQuantizedIndex { get; set; } = true;

    /// <summary>Calls answered by the quantized index for many rows at once (for tests).</summary>
    internal int IndexPasses { get; private set; }

    private QuantizedItemIndex? UseIndex => UseQuantizedIndex && ItemChunk is null ? _index?.Value : null;

    // Lists on a CPU: exact top-k from the quantized index, row by row (false: a state is not finite; use the product).
    private bool IndexTopK(QuantizedItemIndex index, ReadOnlySpan<int> slots, int k, Span<int> items, Span<float> scores, Span<int> counts)
    {
        var states = LastLayerRows(slots);
        int units = index.Units;
        var results = new int[slots.Length];
        for (int r = 0; r < slots.Length; r++)
        {
            results[r] = index.TopK(states.AsSpan(r * units, units), k, items.Slice(r * k, k), scores.Slice(r * k, k));
            if (results[r] < 0) return false;
        }
        results.CopyTo(counts);
        return true;
    }

    /// <inheritdoc/>
    public void Rank(ReadOnlySpan<int> targets, TieHandling ties, Span<double> ranks)
    {
        int n = _net.ItemCount;
        var (activeSlots, activeTargets) = Targets(targets, ranks);
        if (activeSlots.Length == 0) return;
        using var lease = UsageGuard.Enter(_guard);
        using var threads = TorchThreads.Use(TorchThreadCount);
        ApplyResets();
        if (KernelFor(activeSlots.Length) is { } kernel)
        {
            DropCachedScores();
            if (KernelPass(kernel, activeSlots, activeTargets, ties, ranks, 0, null, [], [], [])) return;
        }
        var active = activeSlots.ToList();
        var target = activeTargets.Select(t => (long)t).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var h = Hidden(active.Count == Slots ? null : active.ToArray());
        var t = tensor(target.ToArray(), device: h.device).unsqueeze(1);
        long chunk = ChunkFor(active.Count);
        Tensor tv, higher, equal;
        if (chunk >= n)
        {
            var s = _net.ScoreAll(h);
            tv = s.gather(1, t);
            (higher, equal) = Counts(s, tv, ties);
            // The evaluator asks for the same rows' lists next: keep this product for TopK (bounded by the budget).
            DropCachedScores();
            _cachedScores = s.DetachFromDisposeScope();
            _cachedRows = active.ToArray();
        }
        else
        {
            // Two passes over the same chunks: the target's own score first, then counts against exactly that value.
            tv = full(active.Count, 1, NaN, device: h.device);
            for (long c0 = 0; c0 < n; c0 += chunk)
            {
                long c1 = Math.Min(n, c0 + chunk);
                using var inner = NewDisposeScope();
                using Scalar start = c0.ToScalar(), end = c1.ToScalar(), last = (c1 - c0 - 1).ToScalar();
                var inChunk = t.ge(start).logical_and_(t.lt(end));
                if (!inChunk.any().item<bool>()) continue;
                var s = Scores(h, c0, c1, false);
                var local = (t - start).clamp_(Zero, last);
                tv.copy_(where(inChunk, s.gather(1, local), tv));
            }
            higher = zeros(active.Count, dtype: ScalarType.Int64, device: h.device);
            equal = zeros(active.Count, dtype: ScalarType.Int64, device: h.device);
            for (long c0 = 0; c0 < n; c0 += chunk)
            {
                long c1 = Math.Min(n, c0 + chunk);
                using var inner = NewDisposeScope();
                var (hi, eq) = Counts(Scores(h, c0, c1, false), tv, ties);
                higher.add_(hi);
                equal.add_(eq);
            }
        }
        var counts = stack([higher, equal], 1).cpu().contiguous();
        var values = tv.cpu().contiguous();
        var hc = MemoryMarshal.Cast<byte, long>(counts.bytes);
        var tvs = MemoryMarshal.Cast<byte, float>(values.bytes);
        for (int r = 0; r < active.Count; r++)
        {
            if (float.IsNaN(tvs[r])) throw new InvalidOperationException($"Model 'gru4rec' scored the target item {target[r]} as NaN.");
            // Conservative counts "not lower" (higher or equal) in one comparison, so its equal count is 0 here.
            ranks[active[r]] = RankOf(ties, hc[2 * r], hc[2 * r + 1]);
        }
    }

    /// <summary>
    /// A target's rank from the number of items scoring above it and equal to it (the target included): conservative
    /// counts the equal ones as above, standard as below, median half and half.
    /// </summary>
    private static double RankOf(TieHandling ties, long above, long equal) => ties switch
    {
        TieHandling.Conservative => above + equal,
        TieHandling.Standard => above + 1,
        TieHandling.Median => above + (equal + 1) / 2.0,
        _ => throw new ArgumentOutOfRangeException(nameof(ties)),
    };

    /// <summary>Copies slot <paramref name="slot"/>'s hidden state (layers concatenated) into <paramref name="destination"/>.</summary>
    public void GetState(int slot, Span<float> destination)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        using var lease = UsageGuard.Enter(_guard);
        ApplyResets();
        int offset = 0;
        foreach (var layer in _state)
        {
            int size = (int)layer.shape[1];
            if (layer.device_type == DeviceType.CPU)
            {
                // The row straight from the tensor's memory: no torch call per layer (bulk recommendation reads hundreds).
                using var values = layer.data<float>();
                values.CopyTo(destination.Slice(offset, size), 0, (long)slot * size);
            }
            else
            {
                using var row = layer[slot];
                using var host = row.cpu().contiguous();
                MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination.Slice(offset, size));
            }
            offset += size;
        }
    }

    /// <summary>Sets slot <paramref name="slot"/>'s hidden state from <see cref="GetState"/>'s layout.</summary>
    public void SetState(int slot, ReadOnlySpan<float> source)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot));
        if (source.Length != StateSize) throw new ArgumentException($"A state has {StateSize} values.", nameof(source));
        using var lease = UsageGuard.Enter(_guard);
        _pendingReset[slot] = false;
        DropCachedScores();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int offset = 0;
        foreach (var layer in _state)
        {
            int size = (int)layer.shape[1];
            if (layer.device_type == DeviceType.CPU)
            {
                using var values = layer.data<float>();
                values.CopyFrom(source.Slice(offset, size).ToArray(), 0, (long)slot * size);
            }
            else layer[slot].copy_(tensor(source.Slice(offset, size).ToArray()).to(layer.device));
            offset += size;
        }
    }

    /// <inheritdoc/>
    public void WriteState(int slot, BinaryWriter writer)
    {
        var state = new float[StateSize];
        GetState(slot, state);
        writer.Write(StateVersion);
        writer.Write(_state.Length);
        foreach (var layer in _state) writer.Write((int)layer.shape[1]);
        foreach (float v in state) writer.Write(v);
    }

    /// <inheritdoc/>
    public void ReadState(int slot, BinaryReader reader)
    {
        try
        {
            int version = reader.ReadInt32();
            if (version != StateVersion) throw new InvalidDataException($"Unsupported GRU4Rec session state version {version} (this library reads {StateVersion}).");
            int layers = reader.ReadInt32();
            if (layers != _state.Length) throw new InvalidDataException($"The session state has {layers} GRU layers; the model has {_state.Length}.");
            for (int i = 0; i < layers; i++)
            {
                int size = reader.ReadInt32();
                if (size != _state[i].shape[1]) throw new InvalidDataException($"The session state's layer {i} has {size} units; the model's has {_state[i].shape[1]}.");
            }
            var state = new float[StateSize];
            for (int i = 0; i < state.Length; i++)
                if (!float.IsFinite(state[i] = reader.ReadSingle())) throw new InvalidDataException("The session state contains a non-finite value.");
            SetState(slot, state);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The session state is truncated.", e);
        }
    }

    /// <summary>
    /// Per row, the comparisons the tie mode needs (one pass for conservative and standard): conservative counts
    /// scores ≥ the target's in the first column, standard scores &gt; it, median both (&gt; and ==).
    /// </summary>
    private static (Tensor Higher, Tensor Equal) Counts(Tensor scores, Tensor target, TieHandling ties) => ties switch
    {
        TieHandling.Conservative => (scores.ge(target).sum(1, type: ScalarType.Int64), zeros(scores.shape[0], dtype: ScalarType.Int64, device: scores.device)),
        TieHandling.Standard => (scores.gt(target).sum(1, type: ScalarType.Int64), zeros(scores.shape[0], dtype: ScalarType.Int64, device: scores.device)),
        TieHandling.Median => (scores.gt(target).sum(1, type: ScalarType.Int64), scores.eq(target).sum(1, type: ScalarType.Int64)),
        _ => throw new ArgumentOutOfRangeException(nameof(ties)),
    };

    /// <summary>Items per chunk for <paramref name="rows"/> rows.</summary>
    private long ChunkFor(int rows)
    {
        long chunk = ItemChunk ?? Math.Max(1, ScoreBudget / Math.Max(1, rows));
        return Math.Clamp(chunk, 1, Math.Max(1, _net.ItemCount));
    }

    /// <summary>Scores of items [c0, c1) for hidden outputs <paramref name="h"/>; <paramref name="all"/>: the whole catalog as one product.</summary>
    private Tensor Scores(Tensor h, long c0, long c1, bool all) =>
        all ? _net.ScoreAll(h) : addmm(_net.By.narrow(0, c0, c1 - c0), h, _net.Wy.narrow(0, c0, c1 - c0).t(), 1, 1);

    /// <summary>The last layer's output (= its state) of the given slots (null = all, in order); call inside a dispose scope.</summary>
    private Tensor Hidden(int[]? slots)
    {
        var last = _state[^1];
        if (slots is null) return last;
        bool identity = slots.Length == Slots;
        for (int i = 0; identity && i < slots.Length; i++) identity = slots[i] == i;
        if (identity) return last;
        return last.index_select(0, tensor(slots.Select(s => (long)s).ToArray(), device: last.device));
    }

    /// <summary>The device mask of items not allowed (cached for the last array seen), and the allowed count.</summary>
    private Tensor? Mask(bool[]? allowed)
    {
        if (allowed is null) return null;
        if (!ReferenceEquals(allowed, _maskSource))
        {
            _disallowed?.Dispose();
            using var scope = NewDisposeScope();
            var host = new bool[allowed.Length];
            long count = 0;
            for (int i = 0; i < host.Length; i++) { host[i] = !allowed[i]; if (allowed[i]) count++; }
            _disallowed = tensor(host).to(_state[0].device).DetachFromDisposeScope();
            _maskSource = allowed;
            _allowedCount = count;
        }
        return _disallowed;
    }

    /// <summary>The exact host selection for one slot (rare: a tie at the k-th place, NaN scores), one row at a time.</summary>
    private int HostTopK(int slot, int k, bool[]? allowed, Span<int> items, Span<float> scores)
    {
        using var scope = NewDisposeScope();
        var h = _state[^1].narrow(0, slot, 1);
        var row = new float[_net.ItemCount];
        long chunk = Math.Max(1, ItemChunk ?? ScoreBudget);
        bool all = chunk >= _net.ItemCount;
        for (long c0 = 0; c0 < _net.ItemCount; c0 += chunk)
        {
            long c1 = Math.Min(_net.ItemCount, c0 + chunk);
            using var inner = NewDisposeScope();
            using var host = Scores(h, c0, c1, all).cpu().contiguous();
            MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(row.AsSpan((int)c0));
        }
        return TopKSelection.Select(row, allowed, k, items, scores);
    }

    private void DropCachedScores()
    {
        _cachedScores?.Dispose();
        _cachedScores = null;
        _cachedRows = null;
    }

    private void ApplyResets()
    {
        if (!_anyPending) return;
        DropCachedScores();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var rows = new List<long>();
        for (int s = 0; s < Slots; s++) if (_pendingReset[s]) { rows.Add(s); _pendingReset[s] = false; }
        var index = tensor(rows.ToArray(), device: _state[0].device);
        foreach (var layer in _state) layer.index_fill_(0, index, Zero);
        _anyPending = false;
    }

    /// <summary>Feeds the active slots' items; returns their last-layer outputs and the active slots (null = all).</summary>
    private (Tensor? H, int[]? Active) AdvanceCore(ReadOnlySpan<int> items)
    {
        if (items.Length < Slots) throw new ArgumentException($"items must hold one entry per slot ({Slots}).", nameof(items));
        ApplyResets();
        DropCachedScores();
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
        _disallowed?.Dispose();
        DropCachedScores();
    }

    /// <summary>Best first: higher score, then lower index; NaN last (as <see cref="TopKSelection"/>).</summary>
    private sealed class CandidateOrder : IComparer<(float Value, int Item)>
    {
        public static readonly CandidateOrder Instance = new();

        public int Compare((float Value, int Item) a, (float Value, int Item) b)
        {
            bool an = float.IsNaN(a.Value), bn = float.IsNaN(b.Value);
            if (an != bn) return an ? 1 : -1;
            if (!an && a.Value != b.Value) return a.Value > b.Value ? -1 : 1;
            return a.Item.CompareTo(b.Item);
        }
    }
}
