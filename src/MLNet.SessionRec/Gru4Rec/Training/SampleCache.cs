using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Negative samples for session-parallel training: item indices drawn with replacement from
/// P(i) ∝ support_i^alpha (Walker/Vose alias table, seeded System.Random), generated in blocks of
/// <c>cacheSize / n_sample</c> mini-batches and kept as one tensor on the training device (refilled when exhausted),
/// as the official sample cache does. Each <see cref="Next"/> returns one row of <c>n_sample</c> shared negatives.
/// </summary>
internal sealed class SampleCache : IDisposable
{
    /// <summary>Official default sample_cache_max_size.</summary>
    public const int DefaultCacheSize = 10_000_000;

    private readonly double[] _probability;
    private readonly int[] _alias;
    private readonly Random _random;
    private readonly Device _device;
    private readonly long[] _buffer;
    private Tensor? _cache;
    private int _pointer;

    public SampleCache(long[] supports, double alpha, int nSample, Random random, Device device, int cacheSize = DefaultCacheSize)
    {
        if (nSample <= 0) throw new ArgumentOutOfRangeException(nameof(nSample));
        NSample = nSample;
        Rows = Math.Max(1, cacheSize / nSample);
        _random = random;
        _device = device;
        _buffer = new long[(long)Rows * nSample];
        var weights = new double[supports.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = supports[i] > 0 ? Math.Pow(supports[i], alpha) : 0;
        (_probability, _alias) = BuildAlias(weights);
        _pointer = Rows;
    }

    public int NSample { get; }

    /// <summary>Mini-batches of samples per refill.</summary>
    public int Rows { get; }

    /// <summary>Sampling probabilities P(i) (normalised support^alpha), for tests and the logQ correction.</summary>
    public static double[] Probabilities(long[] supports, double alpha)
    {
        var p = supports.Select(s => s > 0 ? Math.Pow(s, alpha) : 0).ToArray();
        double sum = p.Sum();
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>Vose's alias method: O(1) draws from a discrete distribution.</summary>
    private static (double[] Prob, int[] Alias) BuildAlias(double[] weights)
    {
        int n = weights.Length;
        double sum = weights.Sum();
        if (!(sum > 0)) throw new ArgumentException("No item has positive support to sample from.");
        var prob = new double[n];
        var alias = new int[n];
        var scaled = weights.Select(w => w * n / sum).ToArray();
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (int i = 0; i < n; i++) (scaled[i] < 1 ? small : large).Push(i);
        while (small.Count > 0 && large.Count > 0)
        {
            int s = small.Pop(), l = large.Pop();
            prob[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1;
            (scaled[l] < 1 ? small : large).Push(l);
        }
        while (large.Count > 0) { int l = large.Pop(); prob[l] = 1; alias[l] = l; }
        while (small.Count > 0) { int s = small.Pop(); prob[s] = 1; alias[s] = s; } // rounding leftovers
        return (prob, alias);
    }

    /// <summary>Draws one item index.</summary>
    public int Draw()
    {
        int i = _random.Next(_probability.Length);
        return _random.NextDouble() < _probability[i] ? i : _alias[i];
    }

    /// <summary>The next row of shared negatives: a 1-D int64 tensor (a view into the cache) on the device.</summary>
    public Tensor Next()
    {
        if (_pointer >= Rows) Refill();
        return _cache!.narrow(0, (long)_pointer++ * NSample, NSample);
    }

    private void Refill()
    {
        for (int i = 0; i < _buffer.Length; i++) _buffer[i] = Draw();
        _cache?.Dispose();
        _cache = torch.tensor(_buffer, dtype: ScalarType.Int64, device: _device).DetachFromDisposeScope();
        _pointer = 0;
    }

    public void Dispose() => _cache?.Dispose();
}
