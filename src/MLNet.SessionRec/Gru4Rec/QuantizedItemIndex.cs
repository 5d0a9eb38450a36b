using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Exact top-k of one hidden state against a large catalog on the CPU, reading a quarter of the bytes.
/// </summary>
/// <remarks>
/// A list needs the scores h·Wy[i] + By[i] of every item, and on a CPU one row of that product is bound by memory:
/// 60k items × 100 units is 24 MB of weights per list. This index keeps Wy as 7-bit integers per item row (scale per
/// row; 100 bytes per item at 100 units, 16 items side by side) and, per query, scores every item approximately from the 8-bit state with
/// integer SIMD, with a bound on the error of each approximate score (Cauchy–Schwarz over the two rounding errors,
/// plus float rounding). Items whose upper bound falls below the k-th best lower bound cannot be in the top k; the
/// few others (the candidates) are scored exactly with the float weights and ordered as the full product would be:
/// higher score first, equal scores by lower index. The list is the exact top k of the float scores; only the
/// scores' last bits can differ from a full product, which sums in another order.
/// Built once per trained model on first use (not while training: the weights must not change).
/// </remarks>
internal sealed class QuantizedItemIndex
{
    private const int LevelsW = 63;   // w in [-63, 63], stored +64 as unsigned bytes 1..127
    private const int LevelsH = 127;  // h in [-127, 127] as signed bytes
    private const int Offset = 64;
    private readonly byte[] _codes;   // blocks of 16 items × groups of 4 units × (16 items × 4 codes): see Dots
    private readonly float[] _scale;  // per item: w ≈ scale · (code - 64)
    private readonly float[] _errorNorm; // per item: ||w - scale·q||₂
    private readonly float[] _norm;   // per item: ||w||₂
    private readonly float[] _bias;
    private readonly float[] _slack;  // per item: 2e-5·|b| + 1e-6 (float rounding, see Bounds)
    private readonly Tensor _weights;
    private readonly Tensor _biasTensor;

    private QuantizedItemIndex(int items, int units, Tensor weights, Tensor bias)
    {
        Items = items;
        Units = units;
        Width = (units + 63) / 64 * 64;
        Groups = (units + 3) / 4;
        _weights = weights;
        _biasTensor = bias;
        _codes = new byte[(long)(items + 15) / 16 * Groups * 64];
        Array.Fill(_codes, (byte)Offset); // padding units and items: code 0
        _scale = new float[items];
        _errorNorm = new float[items];
        _norm = new float[items];
        using var hostW = weights.cpu().contiguous();
        using var hostB = bias.cpu().contiguous();
        var w = MemoryMarshal.Cast<byte, float>(hostW.bytes);
        _bias = MemoryMarshal.Cast<byte, float>(hostB.bytes).ToArray();
        _slack = _bias.Select(b => 2e-5f * Math.Abs(b) + 1e-6f).ToArray();
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
        }
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
        double hNormSq = 0, hMax = 0;
        foreach (float v in h)
        {
            if (!float.IsFinite(v)) return -1;
            hNormSq += (double)v * v;
            hMax = Math.Max(hMax, Math.Abs(v));
        }
        // Quantize the state: h = sh·hq + eh.
        double sh = hMax > 0 ? hMax / LevelsH : 1;
        var hq = new sbyte[Width];
        double quantizedNormSq = 0, residualNormSq = 0;
        long sumHq = 0;
        for (int j = 0; j < Units; j++)
        {
            int q = Math.Clamp((int)Math.Round(h[j] / sh), -LevelsH, LevelsH);
            hq[j] = (sbyte)q;
            sumHq += q;
            double e = h[j] - sh * q;
            quantizedNormSq += sh * q * sh * q;
            residualNormSq += e * e;
        }
        double quantizedNorm = Math.Sqrt(quantizedNormSq), residualNorm = Math.Sqrt(residualNormSq), hNorm = Math.Sqrt(hNormSq);
        var pool = System.Buffers.ArrayPool<int>.Shared;
        var floats = System.Buffers.ArrayPool<float>.Shared;
        int[] dots = pool.Rent((Items + 15) / 16 * 16);
        float[] lower = floats.Rent(Items), upper = floats.Rent(Items);
        try
        {
            return Select(h, k, items, scores, hq, sumHq, sh, quantizedNorm, residualNorm, hNorm, dots, lower, upper);
        }
        finally
        {
            pool.Return(dots);
            floats.Return(lower);
            floats.Return(upper);
        }
    }

    private int Select(ReadOnlySpan<float> h, int k, Span<int> items, Span<float> scores, sbyte[] hq, long sumHq, double sh,
        double quantizedNorm, double residualNorm, double hNorm, int[] dots, float[] lower, float[] upper)
    {
        Dots(hq, dots);
        // Approximate scores and their error bounds: |h·w - sh·sw·(hq·q)| <= ||sh·hq||·||ew|| + ||eh||·||w||, plus
        // float rounding (of the exact product, a sum of Units terms, and of this arithmetic), which is within
        // 1e-5 · (||h||·||w|| + |b|) twice over: bound = A·||ew|| + B·||w|| + C.
        Bounds(dots, (float)sh, Offset * sumHq, (float)quantizedNorm, (float)(residualNorm + 2e-5 * hNorm), lower, upper);
        float threshold = KthLargest(lower.AsSpan(0, Items), k);
        var candidates = Candidates(upper, threshold);
        // Exact float scores of the candidates (the same formula as the full product: addmm(By, h, Wyᵀ)).
        float[] exact;
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            var rows = tensor(candidates.ToArray());
            var state = tensor(h.ToArray()).unsqueeze(0);
            var s = addmm(_biasTensor.index_select(0, rows), state, _weights.index_select(0, rows).t(), 1, 1);
            using var host = s.cpu().contiguous();
            exact = MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();
        }
        var order = new int[candidates.Count];
        for (int c = 0; c < order.Length; c++) order[c] = c;
        foreach (float v in exact) if (float.IsNaN(v)) return -1;
        Array.Sort(order, (a, b) => exact[a] != exact[b] ? exact[b].CompareTo(exact[a]) : candidates[a].CompareTo(candidates[b]));
        int count = Math.Min(k, order.Length);
        for (int r = 0; r < count; r++)
        {
            items[r] = (int)candidates[order[r]];
            scores[r] = exact[order[r]];
        }
        return count;
    }

    private void Bounds(int[] dots, float sh, long offset, float a, float b, float[] lower, float[] upper)
    {
        int i = 0;
        var vsh = Vector256.Create(sh);
        var voff = Vector256.Create((float)offset);
        var va = Vector256.Create(a);
        var vb = Vector256.Create(b);
        for (; i + 8 <= Items; i += 8)
        {
            var d = Vector256.ConvertToSingle(Vector256.Create(dots.AsSpan(i, 8)));
            var approx = vsh * Vector256.Create(_scale.AsSpan(i, 8)) * (d - voff) + Vector256.Create(_bias.AsSpan(i, 8));
            var bound = va * Vector256.Create(_errorNorm.AsSpan(i, 8)) + vb * Vector256.Create(_norm.AsSpan(i, 8)) + Vector256.Create(_slack.AsSpan(i, 8));
            (approx - bound).CopyTo(lower.AsSpan(i, 8));
            (approx + bound).CopyTo(upper.AsSpan(i, 8));
        }
        for (; i < Items; i++)
        {
            float approx = sh * _scale[i] * (dots[i] - (float)offset) + _bias[i];
            float bound = a * _errorNorm[i] + b * _norm[i] + _slack[i];
            lower[i] = approx - bound;
            upper[i] = approx + bound;
        }
    }

    private List<long> Candidates(float[] upper, float threshold)
    {
        var candidates = new List<long>(64);
        var t = Vector256.Create(threshold);
        int i = 0;
        for (; i + 8 <= Items; i += 8)
        {
            uint mask = Vector256.GreaterThanOrEqual(Vector256.Create(upper.AsSpan(i, 8)), t).ExtractMostSignificantBits();
            while (mask != 0)
            {
                candidates.Add(i + System.Numerics.BitOperations.TrailingZeroCount(mask));
                mask &= mask - 1;
            }
        }
        for (; i < Items; i++) if (upper[i] >= threshold) candidates.Add(i);
        return candidates;
    }

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

    /// <summary>The k-th largest value (a min-heap of the k largest seen; 8 values at a time are skipped while none beats it).</summary>
    private static float KthLargest(ReadOnlySpan<float> values, int k)
    {
        var heap = new PriorityQueue<float, float>(k + 1);
        int i = 0;
        for (; i < values.Length && heap.Count < k; i++) heap.Enqueue(values[i], values[i]);
        float threshold = heap.Peek();
        for (; i + 8 <= values.Length; i += 8)
        {
            if (!Vector256.GreaterThanAny(Vector256.Create(values.Slice(i, 8)), Vector256.Create(threshold))) continue;
            for (int j = i; j < i + 8; j++)
                if (values[j] > threshold)
                {
                    heap.EnqueueDequeue(values[j], values[j]);
                    threshold = heap.Peek();
                }
        }
        for (; i < values.Length; i++)
            if (values[i] > threshold)
            {
                heap.EnqueueDequeue(values[i], values[i]);
                threshold = heap.Peek();
            }
        return threshold;
    }
}
