using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Exact top-k of hidden states against a large catalog on the CPU, reading a quarter of the bytes (one state for a
/// list; many at once, with ranks within k, for evaluation).
/// </summary>
/// <remarks>
/// A list needs the scores h·Wy[i] + By[i] of every item, and on a CPU one row of that product is bound by memory:
/// 60k items × 100 units is 24 MB of weights per list. This index keeps Wy as 7-bit integers per item row (scale per
/// row; one byte per unit, units rounded up to a multiple of 8, 16 items side by side) and, per query, scores every item
/// approximately from the 8-bit state with integer SIMD, with a bound on the error of each approximate score
/// (Cauchy–Schwarz over the two rounding errors, plus float rounding). Items whose upper bound falls below the k-th best
/// lower bound cannot be in the top k; the few others (the candidates) are scored exactly with the float weights and
/// ordered as the full product would be: higher score first, equal scores by lower index. The list is the exact top k
/// of the float scores; only the scores' last bits can differ from a full product, which sums in another order.
/// <see cref="RankAndTopK"/> does the same for many states at once, with the fused pass's sums, for evaluation.
/// Built once per trained model on first use (not while training: the weights must not change).
/// </remarks>
internal sealed class QuantizedItemIndex
{
    private const int LevelsW = 63;   // w in [-63, 63], stored +64 as unsigned bytes 1..127
    private const int LevelsH = 127;  // h in [-127, 127] as signed bytes
    private const int LevelsRows = 63; // states screened 8 at a time: [-63, 63], so two pairs of byte products add up in 16 bits
    private const int Offset = 64;
    private readonly byte[] _codes;   // blocks of 16 items × groups of 4 units × (16 items × 4 codes): see Dots
    private readonly float[] _scale;  // per item: w ≈ scale · (code - 64)
    private readonly float[] _errorNorm; // per item: ||w - scale·q||₂
    private readonly float[] _norm;   // per item: ||w||₂
    private readonly float[] _bias;
    private readonly float[] _slack;  // per item: rounding·|b| + 1e-6 (float rounding, see Screen)
    private readonly double _rounding; // relative float rounding allowed for (see Screen)
    private readonly double _maxNorm, _maxAbsBias;
    private readonly Tensor _weights;
    private readonly bool _weightsRowMajor; // contiguous CPU weights of fewer than 2^31 bytes: read in place
    private readonly Tensor _biasTensor;

    // A quantized state: h = Sh·hq + residual; the norms give the error bound of every approximate score.
    private readonly record struct Query(double Sh, long SumHq, double QuantizedNorm, double ResidualNorm, double HNorm);

    private QuantizedItemIndex(int items, int units, Tensor weights, Tensor bias)
    {
        Items = items;
        Units = units;
        Width = (units + 63) / 64 * 64;
        Groups = (units + 7) / 8 * 2; // groups of 4 units, an even number of them (ScreenRows takes two at a time)
        _weights = weights;
        _weightsRowMajor = weights.device_type == TorchSharp.DeviceType.CPU && weights.is_contiguous() && weights.dtype == ScalarType.Float32
            && (long)items * units * sizeof(float) < int.MaxValue;
        _biasTensor = bias;
        _codes = new byte[(long)(items + 15) / 16 * Groups * 64];
        Array.Fill(_codes, (byte)Offset); // padding units and items: code 0
        int padded = (items + 15) / 16 * 16; // whole blocks of 16 for the screening pass (padding masked out)
        _scale = new float[padded];
        _errorNorm = new float[padded];
        _norm = new float[padded];
        using var hostW = weights.cpu().contiguous();
        using var hostB = bias.cpu().contiguous();
        var w = MemoryMarshal.Cast<byte, float>(hostW.bytes);
        _bias = new float[padded];
        MemoryMarshal.Cast<byte, float>(hostB.bytes).CopyTo(_bias);
        // A sum of n products in float (any order, fused or not) is within n·2^-24 of the exact sum relative to
        // Σ|h_j·w_j| ≤ ‖h‖·‖w‖; twice that, with room for the bias, the approximate score and the bound themselves.
        _rounding = Math.Max(2e-5, (units + 8) * Math.Pow(2, -23));
        _slack = _bias.Select(b => (float)(_rounding * Math.Abs(b)) + 1e-6f).ToArray();
        for (int i = 0; i < items; i++)
        {
            var row = w.Slice(i * units, units);
            float max = 0;
            foreach (float v in row) max = Math.Max(max, Math.Abs(v));
            float scale = max > 0 ? max / LevelsW : 1f;
            double err = 0, norm = 0;
            for (int j = 0; j < units; j++)
            {
                int q = (int)Math.Round(row[j] / scale);
                q = Math.Clamp(q, -LevelsW, LevelsW);
                _codes[CodeIndex(i, j)] = (byte)(q + Offset);
                double e = row[j] - (double)scale * q;
                err += e * e;
                norm += (double)row[j] * row[j];
            }
            _scale[i] = scale;
            _errorNorm[i] = (float)Math.Sqrt(err);
            _norm[i] = (float)Math.Sqrt(norm);
            _maxNorm = Math.Max(_maxNorm, _norm[i]);
        }
        foreach (float b in _bias) _maxAbsBias = Math.Max(_maxAbsBias, Math.Abs(b));
    }

    /// <summary>Items in the catalog.</summary>
    public int Items { get; }

    /// <summary>Units of the last GRU layer (the length of a state).</summary>
    public int Units { get; }

    private int Width { get; }

    private int Groups { get; }

    // Item i's code of unit j: 16 consecutive items share 64-byte rows, one per group of 4 units, so one vector load
    // gives 4 units of 16 items and the sums need no horizontal reduction.
    private long CodeIndex(int item, int unit) => (((long)(item / 16) * Groups + unit / 4) * 16 + item % 16) * 4 + unit % 4;

    /// <summary>Whether this CPU has the integer SIMD the index needs.</summary>
    public static bool IsSupported => Avx512BW.IsSupported || Avx2.IsSupported;

    /// <summary>
    /// The index of a network's output layer, or null where it does not pay (GPU weights, small catalogs, no SIMD,
    /// non-finite weights).
    /// </summary>
    public static QuantizedItemIndex? TryBuild(Gru4RecNetwork net)
    {
        if (!IsSupported || net.Device.type != TorchSharp.DeviceType.CPU || net.ItemCount < MinimumItems) return null;
        using var noGrad = no_grad();
        int units = (int)net.Wy.shape[1];
        var index = new QuantizedItemIndex(net.ItemCount, units, net.Wy, net.By);
        foreach (float v in index._norm) if (!float.IsFinite(v)) return null;
        foreach (float v in index._bias) if (!float.IsFinite(v)) return null;
        return index;
    }

    /// <summary>Below this many items one float product is already fast (and the weights stay in cache).</summary>
    internal const int MinimumItems = 8192;

    /// <summary>
    /// The exact top <paramref name="k"/> (dense indices and float scores, best first, ties by lower index) of the
    /// state <paramref name="h"/> (one row of <see cref="Units"/> floats); returns the count, or -1 when the state is
    /// not finite (the caller then uses the full product).
    /// </summary>
    public int TopK(ReadOnlySpan<float> h, int k, Span<int> items, Span<float> scores)
    {
        k = Math.Min(k, Items);
        var hq = new sbyte[Width];
        if (!Quantize(h, hq, out var query)) return -1;
        var pool = System.Buffers.ArrayPool<int>.Shared;
        int[] dots = pool.Rent((Items + 15) / 16 * 16);
        try
        {
            Dots(hq, dots);
            var screening = new Screening(k);
            Screen(dots, new RowBounds(query, _rounding), screening);
            return Select(h, k, items, scores, screening.Candidates);
        }
        finally
        {
            pool.Return(dots);
        }
    }

    // The exact top k among the candidates, scored as torch's one-row product scores them.
    private int Select(ReadOnlySpan<float> h, int k, Span<int> items, Span<float> scores, List<int> candidates)
    {
        // Exact float scores of the candidates (the same formula as the full product: addmm(By, h, Wyᵀ)).
        float[] exact;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var rows = tensor(candidates.Select(c => (long)c).ToArray());
            var state = tensor(h.ToArray()).unsqueeze(0);
            var s = addmm(_biasTensor.index_select(0, rows), state, _weights.index_select(0, rows).t(), 1, 1);
            using var host = s.cpu().contiguous();
            exact = MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
        }
        foreach (float v in exact) if (float.IsNaN(v)) return -1;
        return Best(candidates, exact, k, items, scores);
    }

    // The best k candidates by exact score (higher first, equal scores by lower index, as the full product orders
    // them) into items/scores; returns their number.
    private static int Best(List<int> candidates, ReadOnlySpan<float> exact, int k, Span<int> items, Span<float> scores)
    {
        var order = new int[candidates.Count];
        for (int c = 0; c < order.Length; c++) order[c] = c;
        var s = exact[..order.Length].ToArray();
        Array.Sort(order, (a, b) => s[a] != s[b] ? s[b].CompareTo(s[a]) : candidates[a].CompareTo(candidates[b]));
        int count = Math.Min(k, order.Length);
        for (int r = 0; r < count; r++)
        {
            items[r] = candidates[order[r]];
            scores[r] = s[order[r]];
        }
        return count;
    }

    /// <summary>
    /// For many states at once (row-major in <paramref name="states"/>), what an evaluation with metrics at cut-offs
    /// up to k needs: the exact top k of each row (the float scores of <paramref name="exact"/>, whose sums are the
    /// full product's bits; equal scores by lower index) and, per row, the number of items scoring above the
    /// target and equal to it (target included) wherever the target's score reaches θ below, which includes every
    /// target within the best k: <paramref name="greater"/>[r] is -1 elsewhere, where the rank exceeds k under every
    /// tie rule. <paramref name="candidates"/>, when given, receives each row's number of exactly scored items.
    /// Returns false when a state or a score is not finite or so large that the bounds could overflow: the caller
    /// then uses the full product for the whole call.
    /// </summary>
    /// <remarks>
    /// Why the ranks are exact: t is the target's exact score and θ the k-th largest lower bound. Every item scoring
    /// t or more has an upper bound of at least t; when t ≥ θ all of them are candidates, scored exactly, so the
    /// counts over the candidates are the counts over the catalog. When t &lt; θ, k items have lower bounds of at
    /// least θ &gt; t: at least k items score above the target.
    /// Rows go in groups of 8 through the integer pass (one load of codes serves 8 states); groups are split between
    /// <paramref name="threads"/> threads; every row's result depends on that row only.
    /// </remarks>
    public bool RankAndTopK(float[] states, int rows, int[] targets, CpuScoreKernel exact, int k,
        long[] greater, long[] equal, int[] topItems, float[] topScores, int[] topCounts, int threads, int[]? candidates = null)
    {
        if (exact.Items != Items || exact.Units != Units) throw new ArgumentException("The kernel is not of this index's network.", nameof(exact));
        if (k < 1 || k > Items) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the {Items} items.");
        if (states.Length < (long)rows * Units || targets.Length < rows || greater.Length < rows || equal.Length < rows || topCounts.Length < rows
            || topItems.Length < (long)rows * k || topScores.Length < (long)rows * k || (candidates != null && candidates.Length < rows))
            throw new ArgumentException($"The inputs and outputs must hold {rows} rows (of {Units} units, of {k} items).");
        int groups = (rows + RowGroup - 1) / RowGroup;
        int parts = Math.Clamp(threads, 1, Math.Max(1, groups));
        int failed = 0;
        void RunPart(int p)
        {
            var scratch = new RowScratch(this, k);
            for (int g = groups * p / parts; g < groups * (p + 1) / parts && Volatile.Read(ref failed) == 0; g++)
            {
                int first = g * RowGroup, count = Math.Min(RowGroup, rows - first);
                if (!scratch.Run(this, states, first, count, targets, exact, k, greater, equal, topItems, topScores, topCounts, candidates))
                    Interlocked.Exchange(ref failed, 1);
            }
        }
        if (parts == 1) RunPart(0);
        else Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, RunPart);
        return failed == 0;
    }

    private const int RowGroup = 8;

    // The output weights in place (items × units floats), or empty where they cannot be read so.
    private ReadOnlySpan<float> RowMajorWeights => _weightsRowMajor ? MemoryMarshal.Cast<byte, float>(_weights.bytes) : default;

    /// <summary>Whether <see cref="RankAndTopK"/> can run here (it needs 512-bit integer SIMD for 8 rows at once).</summary>
    public static bool SupportsRows => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    // One thread's buffers for a group of rows.
    private sealed class RowScratch
    {
        private readonly sbyte[] _hq;
        private readonly RowBounds[] _bounds = new RowBounds[RowGroup];
        private readonly Screening[] _screening;
        private readonly List<float> _candidateScores = new(256);

        public RowScratch(QuantizedItemIndex index, int k)
        {
            _hq = new sbyte[RowGroup * index.Width];
            _screening = Enumerable.Range(0, RowGroup).Select(_ => new Screening(k)).ToArray();
        }

        public bool Run(QuantizedItemIndex index, float[] states, int first, int count, int[] targets, CpuScoreKernel exact, int k,
            long[] greater, long[] equal, int[] topItems, float[] topScores, int[] topCounts, int[]? candidateCounts)
        {
            int units = index.Units;
            Array.Clear(_hq);
            for (int r = 0; r < count; r++)
            {
                var h = states.AsSpan((first + r) * units, units);
                if (!index.Quantize(h, _hq.AsSpan(r * index.Width, index.Width), out var query, LevelsRows)) return false;
                _bounds[r] = new RowBounds(query, index._rounding);
                _screening[r].Reset();
            }
            Array.Clear(_bounds, count, RowGroup - count); // unused rows: zero states, no bounds (and θ = +∞ in the scan)
            index.ScreenRows(_hq, _bounds, _screening, count);
            var scores = _candidateScores;
            // The candidates' exact scores from the network's own row-major weights (7 cache lines per item at 100
            // units, against 100 in the kernel's blocked copy); the same sums as the kernel's.
            var weights = index.RowMajorWeights;
            for (int r = 0; r < count; r++)
            {
                int row = first + r;
                var h = states.AsSpan(row * units, units);
                var candidates = _screening[r].Candidates;
                float threshold = _screening[r].Finish();
                if (candidateCounts != null) candidateCounts[row] = candidates.Count;
                scores.Clear();
                for (int c = 0; c < candidates.Count; c++) scores.Add(0);
                if (weights.IsEmpty) exact.Score(h, CollectionsMarshal.AsSpan(candidates), CollectionsMarshal.AsSpan(scores));
                else CpuScoreKernel.Score(h, weights, exact.Bias, CollectionsMarshal.AsSpan(candidates), CollectionsMarshal.AsSpan(scores));
                foreach (float s in scores) if (!float.IsFinite(s)) return false;
                float t = exact.Score(h, targets[row]);
                if (!float.IsFinite(t)) return false;
                topCounts[row] = Best(candidates, CollectionsMarshal.AsSpan(scores), k, topItems.AsSpan(row * k, k), topScores.AsSpan(row * k, k));
                if (t >= threshold)
                {
                    long gt = 0, eq = 0;
                    foreach (float s in scores) { if (s > t) gt++; else if (s == t) eq++; }
                    greater[row] = gt;
                    equal[row] = eq;
                }
                else
                {
                    greater[row] = -1;
                    equal[row] = 0;
                }
            }
            return true;
        }
    }

    // The state as signed bytes (h = sh·hq + residual, |hq| ≤ levels) and the norms the bounds need; false when it
    // is not finite or so large that scores and bounds could overflow.
    private bool Quantize(ReadOnlySpan<float> h, Span<sbyte> hq, out Query query, int levels = LevelsH)
    {
        query = default;
        double hNormSq = 0, hMax = 0;
        foreach (float v in h)
        {
            if (!float.IsFinite(v)) return false;
            hNormSq += (double)v * v;
            hMax = Math.Max(hMax, Math.Abs(v));
        }
        double sh = hMax > 0 ? hMax / levels : 1;
        double quantizedNormSq = 0, residualNormSq = 0;
        long sumHq = 0;
        for (int j = 0; j < Units; j++)
        {
            int q = Math.Clamp((int)Math.Round(h[j] / sh), -levels, levels);
            hq[j] = (sbyte)q;
            sumHq += q;
            double e = h[j] - sh * q;
            quantizedNormSq += sh * q * sh * q;
            residualNormSq += e * e;
        }
        query = new Query(sh, sumHq, Math.Sqrt(quantizedNormSq), Math.Sqrt(residualNormSq), Math.Sqrt(hNormSq));
        // Approximate scores and bounds must stay far from float overflow for the comparisons to mean anything.
        return query.HNorm * _maxNorm + _maxAbsBias < 1e30;
    }

    // The constants of one state's bounds (see Screen).
    private readonly struct RowBounds(Query query, double rounding)
    {
        public readonly float Sh = (float)query.Sh, Offset = QuantizedItemIndex.Offset * query.SumHq;
        public readonly float A = (float)query.QuantizedNorm, B = (float)(query.ResidualNorm + rounding * query.HNorm);
    }

    /// <summary>
    /// One state's selection of candidates, fed 16 items at a time: θ is the k-th largest lower bound seen (a
    /// min-heap of the k largest), and every item whose upper bound reaches the running θ (which only grows) is kept
    /// with that bound; <see cref="Finish"/> drops those below the final θ. What is left (ascending) are the only
    /// items that can be among the best k. Nothing catalog-sized is written.
    /// </summary>
    private sealed class Screening(int k)
    {
        private readonly PriorityQueue<float, float> _heap = new(k + 1);
        private readonly List<float> _uppers = new(256);
        public readonly List<int> Candidates = new(256);
        public float Threshold { get; private set; } = float.NegativeInfinity;

        public void Reset()
        {
            _heap.Clear();
            _uppers.Clear();
            Candidates.Clear();
            Threshold = float.NegativeInfinity;
        }

        // Items first.. (lanes of the masks) whose lower bound exceeds θ (above) or whose upper bound reaches it.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public unsafe void Take(int first, uint above, uint reaching, float* lower, float* upper)
        {
            for (uint m = above; m != 0; m &= m - 1)
            {
                float v = lower[System.Numerics.BitOperations.TrailingZeroCount(m)];
                if (_heap.Count < k) _heap.Enqueue(v, v);
                else if (v > Threshold) _heap.EnqueueDequeue(v, v);
                if (_heap.Count == k) Threshold = _heap.Peek();
            }
            for (uint m = reaching; m != 0; m &= m - 1)
            {
                int lane = System.Numerics.BitOperations.TrailingZeroCount(m);
                if (upper[lane] < Threshold) continue;
                Candidates.Add(first + lane);
                _uppers.Add(upper[lane]);
            }
        }

        /// <summary>Keeps the candidates whose upper bound reaches the final θ; returns θ.</summary>
        public float Finish()
        {
            int kept = 0;
            for (int c = 0; c < Candidates.Count; c++)
                if (_uppers[c] >= Threshold) Candidates[kept++] = Candidates[c];
            Candidates.RemoveRange(kept, Candidates.Count - kept);
            _uppers.Clear();
            return Threshold;
        }
    }

    /// <summary>
    /// Screens one state's approximate scores (<paramref name="dots"/>: whole blocks of 16 items) into
    /// <paramref name="screening"/> and finishes it.
    /// </summary>
    /// <remarks>
    /// Approximate scores and their error bounds: |h·w - sh·sw·(hq·q)| ≤ ||sh·hq||·||ew|| + ||eh||·||w||, plus float
    /// rounding (of the exact product, a sum of Units terms, and of this arithmetic), which is within
    /// rounding · (||h||·||w|| + |b|), rounding = max(2e-5, (units + 8)·2^-23): bound = A·||ew|| + B·||w|| + C.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private unsafe void Screen(int[] dots, RowBounds bounds, Screening screening)
    {
        if (dots.Length < (Items + 15) / 16 * 16) throw new ArgumentException("dots must cover whole blocks of 16 items.", nameof(dots));
        float* lower = stackalloc float[16], upper = stackalloc float[16];
        fixed (int* d = dots)
        fixed (float* scale = _scale, bias = _bias, errorNorm = _errorNorm, norm = _norm, slack = _slack)
        {
            for (int i = 0; i < Items; i += 16)
            {
                uint valid = Valid(i);
                if (Vector512.IsHardwareAccelerated)
                {
                    var (lo, up) = Bounds(Vector512.Load(d + i), Vector512.Load(scale + i), Vector512.Load(bias + i),
                        Vector512.Load(errorNorm + i), Vector512.Load(norm + i), Vector512.Load(slack + i), bounds);
                    Offer(screening, i, valid, lo, up, lower, upper);
                    continue;
                }
                uint above = 0, reaching = 0;
                var t = Vector256.Create(screening.Threshold);
                for (int half = 0; half < 16; half += 8)
                {
                    int j = i + half;
                    var approx = Vector256.Create(bounds.Sh) * Vector256.Load(scale + j) * (Vector256.ConvertToSingle(Vector256.Load(d + j)) - Vector256.Create(bounds.Offset)) + Vector256.Load(bias + j);
                    var bound = Vector256.Create(bounds.A) * Vector256.Load(errorNorm + j) + Vector256.Create(bounds.B) * Vector256.Load(norm + j) + Vector256.Load(slack + j);
                    var lo = approx - bound;
                    var up = approx + bound;
                    lo.Store(lower + half);
                    up.Store(upper + half);
                    above |= Vector256.GreaterThan(lo, t).ExtractMostSignificantBits() << half;
                    reaching |= Vector256.GreaterThanOrEqual(up, t).ExtractMostSignificantBits() << half;
                }
                if ((reaching & valid) != 0) screening.Take(i, above & valid, reaching & valid, lower, upper);
            }
        }
        screening.Finish();
    }

    // Lanes of items i..i+15 that exist (the last block may be partial).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private uint Valid(int i) => Items - i >= 16 ? 0xFFFFu : (1u << (Items - i)) - 1;

    // Lower and upper bounds of 16 items from their integer dot products (see Screen).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Lower, Vector512<float> Upper) Bounds(Vector512<int> dots, Vector512<float> scale, Vector512<float> bias,
        Vector512<float> errorNorm, Vector512<float> norm, Vector512<float> slack, in RowBounds row)
    {
        var approx = Vector512.Create(row.Sh) * scale * (Vector512.ConvertToSingle(dots) - Vector512.Create(row.Offset)) + bias;
        var bound = Vector512.Create(row.A) * errorNorm + Vector512.Create(row.B) * norm + slack;
        return (approx - bound, approx + bound);
    }

    // Hands the lanes that matter to the screening; most blocks of most states have none (every upper bound below θ).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void Offer(Screening screening, int i, uint valid, Vector512<float> lower, Vector512<float> upper, float* lowerBuffer, float* upperBuffer)
    {
        var t = Vector512.Create(screening.Threshold);
        uint reaching = (uint)Vector512.GreaterThanOrEqual(upper, t).ExtractMostSignificantBits() & valid;
        if (reaching == 0) return;
        lower.Store(lowerBuffer);
        upper.Store(upperBuffer);
        screening.Take(i, (uint)Vector512.GreaterThan(lower, t).ExtractMostSignificantBits() & valid, reaching, lowerBuffer, upperBuffer);
    }

    /// <summary>
    /// The integer pass and the screening of up to 8 states at once (rows of Width bytes in <paramref name="hq"/>;
    /// unused rows zero): each 64-byte load of codes serves all 8, and each block's 8 × 16 dot products go from
    /// registers to the bounds. Blocks where no upper bound reaches its row's θ (nearly all of them, once the heaps
    /// are full) cost nothing more; at the others the scan stops and the rows' screenings take the block's items.
    /// </summary>
    private unsafe void ScreenRows(sbyte[] hq, RowBounds[] bounds, Screening[] screening, int count)
    {
        int groups = Groups, quadsPerRow = Width / 4, blocks = (Items + 15) / 16;
        float* lower = stackalloc float[16], upper = stackalloc float[16], thresholds = stackalloc float[RowGroup];
        int* dots = stackalloc int[RowGroup * 16];
        for (int r = 0; r < RowGroup; r++) thresholds[r] = r < count ? screening[r].Threshold : float.PositiveInfinity; // unused rows never reach
        fixed (sbyte* stateBytes = hq)
        fixed (byte* codes = _codes)
        fixed (RowBounds* rows = bounds)
        fixed (float* scale = _scale, bias = _bias, errorNorm = _errorNorm, norm = _norm, slack = _slack)
        {
            var items = new ItemArrays(scale, bias, errorNorm, norm, slack);
            for (int b = 0; b < blocks; b++)
            {
                b = ScanBlocks(codes, groups, (int*)stateBytes, quadsPerRow, b, blocks, Valid((blocks - 1) * 16), items, rows, thresholds, dots);
                if (b == blocks) break;
                int i = b * 16;
                uint valid = Valid(i);
                var sc = Vector512.Load(scale + i);
                var bi = Vector512.Load(bias + i);
                var en = Vector512.Load(errorNorm + i);
                var no = Vector512.Load(norm + i);
                var sl = Vector512.Load(slack + i);
                for (int r = 0; r < count; r++)
                {
                    var (lo, up) = Bounds(Vector512.Load(dots + 16 * r), sc, bi, en, no, sl, rows[r]);
                    Offer(screening[r], i, valid, lo, up, lower, upper);
                    thresholds[r] = screening[r].Threshold;
                }
            }
        }
    }

    private readonly unsafe struct ItemArrays(float* scale, float* bias, float* errorNorm, float* norm, float* slack)
    {
        public readonly float* Scale = scale, Bias = bias, ErrorNorm = errorNorm, Norm = norm, Slack = slack;
    }

    /// <summary>
    /// From block <paramref name="first"/> on, the dot products of each block's 16 items with the 8 states and
    /// their upper bounds against each row's θ; returns the first block where one reaches (its dot products in
    /// dots[16·r + lane]) or <paramref name="blocks"/>. No calls inside, so the 8 accumulators stay in registers.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static unsafe int ScanBlocks(byte* codes, int groups, int* q0, int quadsPerRow, int first, int blocks, uint lastValid,
        ItemArrays items, RowBounds* rows, float* thresholds, int* dots)
    {
        var ones = Vector512.Create((short)1);
        int* q1 = q0 + quadsPerRow, q2 = q1 + quadsPerRow, q3 = q2 + quadsPerRow, q4 = q3 + quadsPerRow, q5 = q4 + quadsPerRow,
            q6 = q5 + quadsPerRow, q7 = q6 + quadsPerRow;
        for (int b = first; b < blocks; b++)
        {
            byte* block = codes + (long)b * groups * 64;
            Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            // |code·q + code·q| ≤ 2·127·63 per 16-bit lane, so the lanes of two groups add without overflow before
            // widening to 32 bits: three multiplies per two groups instead of four.
            for (int g = 0; g < groups; g += 2)
            {
                var c = Vector512.Load(block + 64 * g);
                var d = Vector512.Load(block + 64 * g + 64);
                a0 = Avx512F.Add(a0, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q0[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q0[g + 1]).AsSByte())), ones));
                a1 = Avx512F.Add(a1, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q1[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q1[g + 1]).AsSByte())), ones));
                a2 = Avx512F.Add(a2, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q2[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q2[g + 1]).AsSByte())), ones));
                a3 = Avx512F.Add(a3, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q3[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q3[g + 1]).AsSByte())), ones));
                a4 = Avx512F.Add(a4, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q4[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q4[g + 1]).AsSByte())), ones));
                a5 = Avx512F.Add(a5, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q5[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q5[g + 1]).AsSByte())), ones));
                a6 = Avx512F.Add(a6, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q6[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q6[g + 1]).AsSByte())), ones));
                a7 = Avx512F.Add(a7, Avx512BW.MultiplyAddAdjacent(Avx512BW.Add(Avx512BW.MultiplyAddAdjacent(c, Vector512.Create(q7[g]).AsSByte()), Avx512BW.MultiplyAddAdjacent(d, Vector512.Create(q7[g + 1]).AsSByte())), ones));
            }
            int i = b * 16;
            var sc = Vector512.Load(items.Scale + i);
            var bi = Vector512.Load(items.Bias + i);
            var en = Vector512.Load(items.ErrorNorm + i);
            var no = Vector512.Load(items.Norm + i);
            var sl = Vector512.Load(items.Slack + i);
            var reaching = Reaches(a0, sc, bi, en, no, sl, rows[0], thresholds[0]) | Reaches(a1, sc, bi, en, no, sl, rows[1], thresholds[1])
                | Reaches(a2, sc, bi, en, no, sl, rows[2], thresholds[2]) | Reaches(a3, sc, bi, en, no, sl, rows[3], thresholds[3])
                | Reaches(a4, sc, bi, en, no, sl, rows[4], thresholds[4]) | Reaches(a5, sc, bi, en, no, sl, rows[5], thresholds[5])
                | Reaches(a6, sc, bi, en, no, sl, rows[6], thresholds[6]) | Reaches(a7, sc, bi, en, no, sl, rows[7], thresholds[7]);
            if ((reaching.ExtractMostSignificantBits() & (b == blocks - 1 ? lastValid : 0xFFFFu)) == 0) continue;
            a0.Store(dots); a1.Store(dots + 16); a2.Store(dots + 32); a3.Store(dots + 48);
            a4.Store(dots + 64); a5.Store(dots + 80); a6.Store(dots + 96); a7.Store(dots + 112);
            return b;
        }
        return blocks;
    }

    // The lanes whose upper bound reaches θ (all bits set where it does).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reaches(Vector512<int> dots, Vector512<float> scale, Vector512<float> bias, Vector512<float> errorNorm,
        Vector512<float> norm, Vector512<float> slack, in RowBounds row, float threshold) =>
        Vector512.GreaterThanOrEqual(Bounds(dots, scale, bias, errorNorm, norm, slack, row).Upper, Vector512.Create(threshold));

    /// <summary>dots[i] = Σ_j codes[i, j] · hq[j] (unsigned 7-bit codes × signed 8-bit state; no saturation: 2·127·127 &lt; 2^15).</summary>
    private unsafe void Dots(sbyte[] hq, int[] dots)
    {
        int groups = Groups;
        long blocks = (Items + 15) / 16;
        var quads = new int[groups]; // the state's 4 bytes of each group, broadcast to every item
        fixed (sbyte* state = hq) for (int g = 0; g < groups; g++) quads[g] = *(int*)(state + 4 * g);
        fixed (byte* codes = _codes)
        fixed (int* output = dots)
        {
            if (Avx512BW.IsSupported)
            {
                var ones = Vector512.Create((short)1);
                for (long b = 0; b < blocks; b++)
                {
                    byte* block = codes + b * groups * 64;
                    var acc = Vector512<int>.Zero;
                    for (int g = 0; g < groups; g++)
                        acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.Load(block + 64 * g), Vector512.Create(quads[g]).AsSByte()), ones));
                    acc.Store(output + b * 16);
                }
            }
            else
            {
                var ones = Vector256.Create((short)1);
                for (long b = 0; b < blocks; b++)
                {
                    byte* block = codes + b * groups * 64;
                    Vector256<int> low = Vector256<int>.Zero, high = Vector256<int>.Zero;
                    for (int g = 0; g < groups; g++)
                    {
                        var h = Vector256.Create(quads[g]).AsSByte();
                        low = Avx2.Add(low, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(block + 64 * g), h), ones));
                        high = Avx2.Add(high, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Vector256.Load(block + 64 * g + 32), h), ones));
                    }
                    low.Store(output + b * 16);
                    high.Store(output + b * 16 + 8);
                }
            }
        }
    }
}
