using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Ranks and lists of many hidden states against the whole catalog on the CPU, in one pass that never holds a
/// rows × items matrix: the scores h·Wy[i] + By[i] are computed tile by tile in registers and immediately compared with
/// each row's target score (ranks) and its running k-th best (lists).
/// </summary>
/// <remarks>
/// The scores are bit-identical to the product the evaluation has always used, <c>addmm(By, h, Wyᵀ)</c> on the CPU:
/// that product sums each score from zero in unit order with fused multiply-adds and adds the bias last (checked
/// against torch when the kernel is built, see <see cref="TryBuild"/>; a libtorch that sums otherwise keeps the torch
/// path). So ranks, ties and lists are exactly today's, without writing and re-reading 4 bytes per item and row
/// three times (product, comparison, top-k). Torch computes products of fewer than <see cref="MinimumRows"/> rows in
/// another order (a matrix-vector kernel), so the scorer keeps torch for those. The hot methods are compiled fully
/// optimized at once (AggressiveOptimization): a short run (a Transform of a few thousand rows) would otherwise spend
/// much of its time in their unoptimized first versions.
/// Keeps a copy of Wy laid out in blocks of <see cref="BlockItems"/> items (units × block floats each), so one vector
/// load gives one unit's weights of consecutive items. Read-only after construction: any number of threads may use it.
/// </remarks>
internal sealed unsafe class CpuScoreKernel : IDisposable
{
    /// <summary>Smallest row count whose torch product sums in the order this kernel reproduces.</summary>
    public const int MinimumRows = 4;

    private static readonly int Lanes = Vector<float>.Count;
    private static int BlockItems => 2 * Lanes;
    // 8-row tiles need 19 vector registers: only where AVX-512 gives 32 (elsewhere 6-row tiles fit the 16 of AVX2).
    private static readonly bool WideTiles = System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported;
    private const int ChunkBytes = 256 << 10; // item weights worked on by all rows before moving on (stays in L2)

    private readonly float* _blocked;        // full blocks × Units × BlockItems, then the tail items row-major
    private readonly float[] _bias;
    private readonly long _fullBlocks;
    private int _disposed;

    private CpuScoreKernel(ReadOnlySpan<float> weights, float[] bias, int items, int units)
    {
        Items = items;
        Units = units;
        _bias = bias;
        _fullBlocks = items / BlockItems;
        long floats = (long)items * units;
        _blocked = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(1, floats) * sizeof(float)), 64);
        int bi = BlockItems;
        for (long b = 0; b < _fullBlocks; b++)
        {
            float* block = _blocked + b * units * bi;
            for (int lane = 0; lane < bi; lane++)
            {
                var row = weights.Slice((int)((b * bi + lane) * units), units);
                for (int k = 0; k < units; k++) block[k * bi + lane] = row[k];
            }
        }
        long tail = _fullBlocks * bi * units;
        weights[(int)tail..].CopyTo(new Span<float>(_blocked + tail, (int)(floats - tail)));
    }

    /// <summary>Items in the catalog.</summary>
    public int Items { get; }

    /// <summary>Units of the last GRU layer (the length of a state).</summary>
    public int Units { get; }

    /// <summary>
    /// The kernel of a network's output layer, or null where it is not used: weights not on the CPU, no hardware
    /// fused multiply-add, or a libtorch whose product does not give the same bits (checked on a few states).
    /// </summary>
    public static CpuScoreKernel? TryBuild(Gru4RecNetwork net)
    {
        if (net.Device.type != TorchSharp.DeviceType.CPU || !(System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported)
            || !Vector.IsHardwareAccelerated || net.ItemCount == 0) return null;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var w = net.Wy.detach().cpu().contiguous();
        using var b = net.By.detach().cpu().contiguous();
        int units = (int)w.shape[1];
        var kernel = new CpuScoreKernel(w.data<float>().ToArray(), b.data<float>().ToArray(), net.ItemCount, units);
        if (kernel.MatchesTorch(net)) return kernel;
        kernel.Dispose();
        return null;
    }

    // The product of MinimumRows fixed states with torch against this kernel's scores, over the first items (all
    // of a catalog up to 65,536 items): every bit must agree.
    private bool MatchesTorch(Gru4RecNetwork net)
    {
        var random = new Random(12345);
        var states = new float[MinimumRows * Units];
        for (int i = 0; i < states.Length; i++) states[i] = (float)(2 * random.NextDouble() - 1);
        int checkedItems = Math.Min(Items, 1 << 16);
        using var threads = TorchThreads.Use(1); // as the scorer runs torch (one thread: the bits do not depend on the machine)
        using var h = tensor(states, [MinimumRows, Units]);
        using var product = addmm(net.By.narrow(0, 0, checkedItems), h, net.Wy.narrow(0, 0, checkedItems).t(), 1, 1).contiguous();
        var expected = product.data<float>().ToArray();
        for (int r = 0; r < MinimumRows; r++)
            for (int i = 0; i < checkedItems; i++)
                if (BitConverter.SingleToInt32Bits(Score(states.AsSpan(r * Units, Units), i)) != BitConverter.SingleToInt32Bits(expected[(long)r * checkedItems + i])) return false;
        return true;
    }

    /// <summary>The score of item <paramref name="item"/> for state <paramref name="h"/>, summed as the kernel does.</summary>
    public float Score(ReadOnlySpan<float> h, int item)
    {
        float* w = Weights(item, out long stride);
        return Chain(h[..Units], w, stride) + _bias[item];
    }

    /// <summary>
    /// <see cref="Score(ReadOnlySpan{float}, int)"/> of each of <paramref name="items"/> into <paramref name="scores"/>, the same bits, four
    /// items at a time (four independent chains of multiply-adds hide their latency and the loads' misses).
    /// </summary>
    public void Score(ReadOnlySpan<float> h, ReadOnlySpan<int> items, Span<float> scores)
    {
        if (h.Length < Units) throw new ArgumentException($"h must hold {Units} values.", nameof(h));
        if (scores.Length < items.Length) throw new ArgumentException("scores must hold one value per item.", nameof(scores));
        int i = 0;
        for (; i + 4 <= items.Length; i += 4)
        {
            float* w0 = Weights(items[i], out long s0), w1 = Weights(items[i + 1], out long s1), w2 = Weights(items[i + 2], out long s2), w3 = Weights(items[i + 3], out long s3);
            Chains(h[..Units], w0, w1, w2, w3, s0, s1, s2, s3, _bias, items.Slice(i, 4), scores.Slice(i, 4));
        }
        for (; i < items.Length; i++) scores[i] = Score(h, items[i]);
    }

    /// <summary>
    /// The kernel's sums for <paramref name="items"/> from row-major <paramref name="weights"/> (items × units) and
    /// <paramref name="bias"/>: the same bits as <see cref="Score(ReadOnlySpan{float}, int)"/> of a kernel of those weights.
    /// </summary>
    public static void Score(ReadOnlySpan<float> h, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> items, Span<float> scores)
    {
        int units = h.Length;
        if (scores.Length < items.Length) throw new ArgumentException("scores must hold one value per item.", nameof(scores));
        foreach (int item in items)
            if ((uint)item >= (uint)bias.Length || (long)(item + 1) * units > weights.Length) throw new ArgumentOutOfRangeException(nameof(items), item, "Item index outside the weights.");
        fixed (float* w = weights)
        {
            int i = 0;
            for (; i + 4 <= items.Length; i += 4)
                Chains(h, w + (long)items[i] * units, w + (long)items[i + 1] * units, w + (long)items[i + 2] * units, w + (long)items[i + 3] * units,
                    1, 1, 1, 1, bias, items.Slice(i, 4), scores.Slice(i, 4));
            for (; i < items.Length; i++) scores[i] = Chain(h, w + (long)items[i] * units, 1) + bias[items[i]];
        }
    }

    // The kernel's sum of one item without its bias: from zero in unit order, one fused multiply-add per unit.
    private static float Chain(ReadOnlySpan<float> h, float* w, long stride)
    {
        float acc = 0;
        for (int k = 0; k < h.Length; k++) acc = MathF.FusedMultiplyAdd(h[k], w[k * stride], acc);
        return acc;
    }

    // Four of Chain side by side, the bias added last.
    private static void Chains(ReadOnlySpan<float> h, float* w0, float* w1, float* w2, float* w3, long s0, long s1, long s2, long s3,
        ReadOnlySpan<float> bias, ReadOnlySpan<int> items, Span<float> scores)
    {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int k = 0; k < h.Length; k++)
        {
            float hk = h[k];
            a0 = MathF.FusedMultiplyAdd(hk, w0[k * s0], a0);
            a1 = MathF.FusedMultiplyAdd(hk, w1[k * s1], a1);
            a2 = MathF.FusedMultiplyAdd(hk, w2[k * s2], a2);
            a3 = MathF.FusedMultiplyAdd(hk, w3[k * s3], a3);
        }
        scores[0] = a0 + bias[items[0]];
        scores[1] = a1 + bias[items[1]];
        scores[2] = a2 + bias[items[2]];
        scores[3] = a3 + bias[items[3]];
    }

    /// <summary>The output biases this kernel adds (one per item).</summary>
    public ReadOnlySpan<float> Bias => _bias;

    // Where item's weights start and the distance between its consecutive units (blocked or row-major tail).
    private float* Weights(int item, out long stride)
    {
        if ((uint)item >= (uint)Items) throw new ArgumentOutOfRangeException(nameof(item), item, $"Item index outside the {Items} items.");
        long block = item / BlockItems;
        if (block < _fullBlocks)
        {
            stride = BlockItems;
            return _blocked + block * Units * BlockItems + item % BlockItems;
        }
        stride = 1;
        return _blocked + (long)item * Units;
    }

    /// <summary>
    /// One pass over the catalog for <paramref name="rows"/> states (row-major in <paramref name="states"/>):
    /// with <paramref name="targets"/>, per row the number of items scoring above the target's score
    /// (<paramref name="greater"/>) and equal to it, the target included (<paramref name="equal"/>); with
    /// <paramref name="k"/> &gt; 0, per row the best k items of <paramref name="allowed"/> (all when null), best
    /// first, equal scores by lower index, into rows of length k of <paramref name="topItems"/>/<paramref name="topScores"/>
    /// with their number in <paramref name="topCounts"/>. <paramref name="finite"/>[r] is false when a score of row r
    /// is not finite: its outputs are then meaningless and the caller uses the torch path for it.
    /// </summary>
    public void Run(float[] states, int rows, ReadOnlySpan<int> targets, long[] greater, long[] equal,
        int k, bool[]? allowed, Span<int> topItems, Span<float> topScores, Span<int> topCounts, bool[] finite, int threads)
    {
        if (states.Length < rows * Units) throw new ArgumentException($"states must hold {rows} × {Units} values.", nameof(states));
        bool ranks = !targets.IsEmpty;
        var targetScores = new float[ranks ? rows : 0];
        for (int r = 0; ranks && r < rows; r++) targetScores[r] = Score(states.AsSpan(r * Units, Units), targets[r]);
        // Parts: contiguous ranges of item blocks (the tail items go with the last part), one per thread.
        long blocks = _fullBlocks + (Items % BlockItems > 0 ? 1 : 0);
        int parts = (int)Math.Clamp(threads, 1, Math.Max(1, blocks));
        var results = new Part[parts];
        void RunPart(int p)
        {
            var part = new Part(rows, ranks, k);
            long b0 = blocks * p / parts, b1 = blocks * (p + 1) / parts;
            part.Scan(this, states, rows, targetScores, allowed, b0, b1);
            results[p] = part;
        }
        if (parts == 1) RunPart(0);
        else Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, RunPart);

        for (int r = 0; r < rows; r++)
        {
            bool ok = true;
            long gt = 0, eq = 0;
            foreach (var part in results) { ok &= part.Finite(r); if (ranks) { gt += part.Greater(r); eq += part.Equal(r); } }
            finite[r] = ok;
            if (ranks) { greater[r] = gt; equal[r] = eq; }
        }
        if (k > 0) Part.Merge(results, rows, k, topItems, topScores, topCounts);
    }

    /// <summary>One thread's share: per-row lane counters, finiteness checks and top-k heaps over its item range.</summary>
    private sealed class Part
    {
        private readonly Vector<int>[] _greater, _equal;
        private readonly Vector<float>[] _check; // s·0 summed: NaN once any score is infinite or NaN
        private readonly int _k;
        private readonly float[] _heapScores;   // rows × k min-heaps (root = worst kept: lowest score, then highest index)
        private readonly int[] _heapItems;
        private readonly int[] _heapCount;
        private readonly float[] _threshold;     // per row: the root's score once the heap is full, else -∞

        public Part(int rows, bool ranks, int k)
        {
            _greater = new Vector<int>[ranks ? rows : 0];
            _equal = new Vector<int>[ranks ? rows : 0];
            _check = new Vector<float>[rows];
            _k = k;
            _heapScores = new float[rows * k];
            _heapItems = new int[rows * k];
            _heapCount = new int[k > 0 ? rows : 0];
            _threshold = new float[k > 0 ? rows : 0];
            Array.Fill(_threshold, float.NegativeInfinity);
        }

        public bool Finite(int r) => float.IsFinite(Vector.Sum(_check[r]));
        public long Greater(int r) => Vector.Sum(Vector.Negate(_greater[r]));
        public long Equal(int r) => Vector.Sum(Vector.Negate(_equal[r]));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Scan(CpuScoreKernel kernel, float[] states, int rows, float[] targets, bool[]? allowed, long b0, long b1)
        {
            int units = kernel.Units, bi = BlockItems;
            long chunkBlocks = Math.Max(1, ChunkBytes / (units * bi * sizeof(float)));
            fixed (float* h = states)
            {
                for (long c0 = b0; c0 < b1; c0 += chunkBlocks)
                {
                    long c1 = Math.Min(b1, c0 + chunkBlocks);
                    long full = Math.Min(c1, kernel._fullBlocks);
                    int r = 0;
                    for (; r < rows; )
                    {
                        int count = rows - r >= 8 && WideTiles ? 8 : rows - r >= 6 ? 6 : 1;
                        for (long b = c0; b < full; b++)
                        {
                            if (count > 1) TileRows(kernel, h + (long)r * units, r, count, b, targets, allowed);
                            else Tile1(kernel, h + (long)r * units, r, b, targets, allowed);
                        }
                        r += count;
                    }
                    if (full < c1) // the tail items, row by row
                        for (r = 0; r < rows; r++) Tile1(kernel, h + (long)r * units, r, full, targets, allowed);
                }
            }
        }

        // rows r..r+count-1 (count 6 or 8) against one full block: the sums, the bias, then what the pass needs.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TileRows(CpuScoreKernel kernel, float* h, int r, int count, long block, float[] targets, bool[]? allowed)
        {
            int units = kernel.Units, bi = BlockItems, lanes = Lanes;
            var sums = stackalloc Vector<float>[16];
            float* w = kernel._blocked + block * units * bi;
            if (count == 8) Dot8(w, h, units, sums);
            else Dot6(w, h, units, sums);
            int first = (int)(block * bi);
            var b0 = new Vector<float>(kernel._bias, first);
            var b1 = new Vector<float>(kernel._bias, first + lanes);
            for (int i = 0; i < count; i++) Consume(r + i, first, sums[2 * i] + b0, sums[2 * i + 1] + b1, targets, allowed);
        }

        // 8 rows × one block, as Dot6, where the CPU has 32 vector registers (AVX-512: 16 accumulators + 3 temporaries).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot8(float* w, float* h, int units, Vector<float>* sums)
        {
            int bi = BlockItems, lanes = Lanes;
            float* h1 = h + units, h2 = h + 2 * units, h3 = h + 3 * units, h4 = h + 4 * units, h5 = h + 5 * units, h6 = h + 6 * units, h7 = h + 7 * units;
            Vector<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            Vector<float> a40 = default, a41 = default, a50 = default, a51 = default, a60 = default, a61 = default, a70 = default, a71 = default;
            for (int k = 0; k < units; k++)
            {
                var w0 = *(Vector<float>*)(w + k * bi);
                var w1 = *(Vector<float>*)(w + k * bi + lanes);
                var x = new Vector<float>(h[k]);
                a00 = Vector.FusedMultiplyAdd(x, w0, a00);
                a01 = Vector.FusedMultiplyAdd(x, w1, a01);
                x = new Vector<float>(h1[k]);
                a10 = Vector.FusedMultiplyAdd(x, w0, a10);
                a11 = Vector.FusedMultiplyAdd(x, w1, a11);
                x = new Vector<float>(h2[k]);
                a20 = Vector.FusedMultiplyAdd(x, w0, a20);
                a21 = Vector.FusedMultiplyAdd(x, w1, a21);
                x = new Vector<float>(h3[k]);
                a30 = Vector.FusedMultiplyAdd(x, w0, a30);
                a31 = Vector.FusedMultiplyAdd(x, w1, a31);
                x = new Vector<float>(h4[k]);
                a40 = Vector.FusedMultiplyAdd(x, w0, a40);
                a41 = Vector.FusedMultiplyAdd(x, w1, a41);
                x = new Vector<float>(h5[k]);
                a50 = Vector.FusedMultiplyAdd(x, w0, a50);
                a51 = Vector.FusedMultiplyAdd(x, w1, a51);
                x = new Vector<float>(h6[k]);
                a60 = Vector.FusedMultiplyAdd(x, w0, a60);
                a61 = Vector.FusedMultiplyAdd(x, w1, a61);
                x = new Vector<float>(h7[k]);
                a70 = Vector.FusedMultiplyAdd(x, w0, a70);
                a71 = Vector.FusedMultiplyAdd(x, w1, a71);
            }
            sums[0] = a00; sums[1] = a01; sums[2] = a10; sums[3] = a11; sums[4] = a20; sums[5] = a21; sums[6] = a30; sums[7] = a31;
            sums[8] = a40; sums[9] = a41; sums[10] = a50; sums[11] = a51; sums[12] = a60; sums[13] = a61; sums[14] = a70; sums[15] = a71;
        }

        // 6 rows × one block: each lane sums from zero in unit order with fused multiply-adds (the product's order). Only
        // locals in the loop, so the 12 accumulators (+ 3 temporaries) stay in the 16 vector registers of AVX2.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot6(float* w, float* h, int units, Vector<float>* sums)
        {
            int bi = BlockItems, lanes = Lanes;
            float* h1 = h + units, h2 = h + 2 * units, h3 = h + 3 * units, h4 = h + 4 * units, h5 = h + 5 * units;
            Vector<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
            Vector<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
            for (int k = 0; k < units; k++)
            {
                var w0 = *(Vector<float>*)(w + k * bi);
                var w1 = *(Vector<float>*)(w + k * bi + lanes);
                var x = new Vector<float>(h[k]);
                a00 = Vector.FusedMultiplyAdd(x, w0, a00);
                a01 = Vector.FusedMultiplyAdd(x, w1, a01);
                x = new Vector<float>(h1[k]);
                a10 = Vector.FusedMultiplyAdd(x, w0, a10);
                a11 = Vector.FusedMultiplyAdd(x, w1, a11);
                x = new Vector<float>(h2[k]);
                a20 = Vector.FusedMultiplyAdd(x, w0, a20);
                a21 = Vector.FusedMultiplyAdd(x, w1, a21);
                x = new Vector<float>(h3[k]);
                a30 = Vector.FusedMultiplyAdd(x, w0, a30);
                a31 = Vector.FusedMultiplyAdd(x, w1, a31);
                x = new Vector<float>(h4[k]);
                a40 = Vector.FusedMultiplyAdd(x, w0, a40);
                a41 = Vector.FusedMultiplyAdd(x, w1, a41);
                x = new Vector<float>(h5[k]);
                a50 = Vector.FusedMultiplyAdd(x, w0, a50);
                a51 = Vector.FusedMultiplyAdd(x, w1, a51);
            }
            sums[0] = a00; sums[1] = a01; sums[2] = a10; sums[3] = a11; sums[4] = a20; sums[5] = a21;
            sums[6] = a30; sums[7] = a31; sums[8] = a40; sums[9] = a41; sums[10] = a50; sums[11] = a51;
        }

        // One row against one block: vectors for a full block, the kernel's scalar sum for the tail items.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile1(CpuScoreKernel kernel, float* h, int r, long block, float[] targets, bool[]? allowed)
        {
            int units = kernel.Units, bi = BlockItems, lanes = Lanes;
            int first = (int)(block * bi);
            if (block < kernel._fullBlocks)
            {
                float* w = kernel._blocked + block * units * bi;
                Vector<float> a0 = default, a1 = default;
                for (int k = 0; k < units; k++)
                {
                    var x = new Vector<float>(h[k]);
                    a0 = Vector.FusedMultiplyAdd(x, *(Vector<float>*)(w + k * bi), a0);
                    a1 = Vector.FusedMultiplyAdd(x, *(Vector<float>*)(w + k * bi + lanes), a1);
                }
                Consume(r, first, a0 + new Vector<float>(kernel._bias, first), a1 + new Vector<float>(kernel._bias, first + lanes), targets, allowed);
                return;
            }
            var state = new ReadOnlySpan<float>(h, units);
            for (int item = first; item < kernel.Items; item++)
            {
                float s = kernel.Score(state, item);
                if (!float.IsFinite(s)) _check[r] = new Vector<float>(float.NaN);
                if (targets.Length > 0)
                {
                    if (s > targets[r]) _greater[r] += UnitLane;
                    else if (s == targets[r]) _equal[r] += UnitLane;
                }
                if (_k > 0 && s > _threshold[r] && (allowed is null || allowed[item])) Insert(r, s, item);
            }
        }

        // -1 in lane 0: subtracting it counts one (the vector counters count by subtracting comparison masks).
        private static readonly Vector<int> UnitLane = CreateUnitLane();

        private static Vector<int> CreateUnitLane()
        {
            var values = new int[Vector<int>.Count];
            values[0] = -1;
            return new Vector<int>(values);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Consume(int r, int first, Vector<float> s0, Vector<float> s1, float[] targets, bool[]? allowed)
        {
            _check[r] = Vector.FusedMultiplyAdd(s0, Vector<float>.Zero, Vector.FusedMultiplyAdd(s1, Vector<float>.Zero, _check[r]));
            if (targets.Length > 0)
            {
                var t = new Vector<float>(targets[r]);
                _greater[r] += Vector.GreaterThan(s0, t) + Vector.GreaterThan(s1, t);
                _equal[r] += Vector.Equals(s0, t) + Vector.Equals(s1, t);
            }
            if (_k == 0) return;
            var limit = new Vector<float>(_threshold[r]);
            if (Vector.GreaterThanAny(s0, limit)) InsertLanes(r, first, s0, allowed);
            if (Vector.GreaterThanAny(s1, limit)) InsertLanes(r, first + Lanes, s1, allowed);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void InsertLanes(int r, int first, Vector<float> s, bool[]? allowed)
        {
            // Only the lanes above the threshold (usually one): their bits, lowest item first.
            ulong above = LaneBits(Vector.GreaterThan(s, new Vector<float>(_threshold[r])));
            while (above != 0)
            {
                int lane = System.Numerics.BitOperations.TrailingZeroCount(above);
                above &= above - 1;
                float v = s[lane];
                if (v > _threshold[r] && (allowed is null || allowed[first + lane])) Insert(r, v, first + lane);
            }
        }

        // One bit per lane of a comparison's result (lane 0 = bit 0).
        private static ulong LaneBits(Vector<int> mask)
        {
            if (Vector<int>.Count == 8) return System.Runtime.Intrinsics.Vector256.ExtractMostSignificantBits(System.Runtime.Intrinsics.Vector256.AsVector256(mask));
            if (Vector<int>.Count == 16) return System.Runtime.Intrinsics.Vector512.ExtractMostSignificantBits(System.Runtime.Intrinsics.Vector512.AsVector512(mask));
            ulong bits = 0;
            for (int lane = 0; lane < Vector<int>.Count; lane++) if (mask[lane] != 0) bits |= 1UL << lane;
            return bits;
        }

        // Items arrive in increasing index order within a part, so a newcomer with the root's score never beats it.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Insert(int r, float score, int item)
        {
            int k = _k, offset = r * k;
            var scores = _heapScores.AsSpan(offset, k);
            var items = _heapItems.AsSpan(offset, k);
            int count = _heapCount[r];
            if (count < k)
            {
                int i = count++;
                while (i > 0)
                {
                    int parent = (i - 1) / 2;
                    if (!Worse(score, item, scores[parent], items[parent])) break;
                    scores[i] = scores[parent];
                    items[i] = items[parent];
                    i = parent;
                }
                scores[i] = score;
                items[i] = item;
                _heapCount[r] = count;
                if (count == k) _threshold[r] = scores[0];
                return;
            }
            int j = 0;
            while (true)
            {
                int child = 2 * j + 1;
                if (child >= k) break;
                if (child + 1 < k && Worse(scores[child + 1], items[child + 1], scores[child], items[child])) child++;
                if (!Worse(scores[child], items[child], score, item)) break;
                scores[j] = scores[child];
                items[j] = items[child];
                j = child;
            }
            scores[j] = score;
            items[j] = item;
            _threshold[r] = scores[0];
        }

        // a ranks below b: lower score, or the same score and a higher index.
        private static bool Worse(float sa, int ia, float sb, int ib) => sa < sb || (sa == sb && ia > ib);

        /// <summary>Per row, the parts' kept items in list order: higher score first, equal scores by lower index.</summary>
        public static void Merge(Part[] parts, int rows, int k, Span<int> items, Span<float> scores, Span<int> counts)
        {
            var all = new List<(float Score, int Item)>(parts.Length * k);
            for (int r = 0; r < rows; r++)
            {
                all.Clear();
                foreach (var part in parts)
                    for (int j = 0; j < part._heapCount[r]; j++) all.Add((part._heapScores[r * k + j], part._heapItems[r * k + j]));
                all.Sort(static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Item.CompareTo(b.Item));
                int count = Math.Min(k, all.Count);
                for (int j = 0; j < count; j++)
                {
                    items[r * k + j] = all[j].Item;
                    scores[r * k + j] = all[j].Score;
                }
                counts[r] = count;
            }
        }
    }

    /// <summary>Frees the blocked weights (the model's Dispose calls it once no call is in flight).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) NativeMemory.AlignedFree(_blocked);
    }
}
