using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Negative samples for session-parallel training: item indices drawn with replacement from
/// P(i) ∝ support_i^alpha, generated in blocks of <c>cacheSize / n_sample</c> mini-batches and kept as one tensor on the
/// training device (refilled when exhausted), as the official sample cache does. Each <see cref="Next"/> returns one
/// row of <c>n_sample</c> shared negatives. Two sources:
/// <list type="bullet">
/// <item><b>host</b> (the CPU device): Walker/Vose alias draws from a seeded <see cref="System.Random"/> (the CPU
/// trainer's draws since release 1: a seed gives the same negatives, hence the same model);</item>
/// <item><b>device</b> (CUDA): uniforms drawn on the device and mapped through the cumulative distribution there
/// (<c>searchsorted</c>), as the official code's GPU sample store does. A refill is two kernels queued on the device's
/// stream: no host draw, no upload, nothing that waits for the device.</item>
/// </list>
/// </summary>
internal sealed class SampleCache : IDisposable
{
    /// <summary>Official default sample_cache_max_size.</summary>
    public const int DefaultCacheSize = 10_000_000;

    private readonly double[] _probability;
    private readonly int[] _alias;
    private readonly Random? _random;
    private readonly Device _device;
    private readonly long[]? _buffer;
    private readonly Tensor? _cdf;               // device source: the cumulative distribution (float64) on the device
    private readonly Generator? _generator;      // device source: null = the device's default generator
    private Tensor? _cache;
    private int _pointer;
    private byte[]? _stateBeforeRefill;          // host source: the Random's state the current cache was drawn from (checkpoints)

    /// <summary>A host-drawn cache (alias method, <paramref name="random"/>), uploaded to <paramref name="device"/> per refill.</summary>
    public SampleCache(long[] supports, double alpha, int nSample, Random random, Device device, int cacheSize = DefaultCacheSize)
        : this(supports, alpha, nSample, device, cacheSize)
    {
        _random = random;
        _buffer = new long[(long)Rows * nSample];
    }

    /// <summary>
    /// A device-drawn cache: uniforms from <paramref name="generator"/> (a generator of <paramref name="device"/>'s
    /// kind; null: the device's default one) through the cumulative distribution on <paramref name="device"/>.
    /// </summary>
    public SampleCache(long[] supports, double alpha, int nSample, Generator? generator, Device device, int cacheSize = DefaultCacheSize)
        : this(supports, alpha, nSample, device, cacheSize)
    {
        _generator = generator;
        _cdf = CumulativeDistribution(supports, alpha, device);
    }

    private SampleCache(long[] supports, double alpha, int nSample, Device device, int cacheSize)
    {
        if (nSample <= 0) throw new ArgumentOutOfRangeException(nameof(nSample));
        NSample = nSample;
        Rows = Math.Max(1, cacheSize / nSample);
        _device = device;
        var weights = Weights(supports, alpha);
        (_probability, _alias) = BuildAlias(weights);
        _pointer = Rows;
    }

    /// <summary>The cache of a training run: host alias draws on the CPU, device draws elsewhere (see <see cref="TrainingRandomness"/>).</summary>
    public static SampleCache For(long[] supports, double alpha, int nSample, TrainingRandomness randomness, int cacheSize = DefaultCacheSize) =>
        randomness.SamplesOnHost
            ? new SampleCache(supports, alpha, nSample, randomness.HostRandom, randomness.Device, cacheSize)
            : new SampleCache(supports, alpha, nSample, randomness.DeviceGenerator, randomness.Device, cacheSize);

    /// <summary>Whether the samples are drawn on the device (no host work per refill).</summary>
    public bool DrawsOnDevice => _cdf is not null;

    /// <summary>Refills so far.</summary>
    public int Refills { get; private set; }

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

    private static double[] Weights(long[] supports, double alpha)
    {
        var weights = new double[supports.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = supports[i] > 0 ? Math.Pow(supports[i], alpha) : 0;
        return weights;
    }

    /// <summary>
    /// cdf[i] = Σ_{j≤i} P(j) in float64 on <paramref name="device"/>, exactly 1 from the last item with positive weight
    /// on: searchsorted(cdf, u, right) for u in [0, 1) then never returns an item of zero weight nor one past the end.
    /// </summary>
    private static Tensor CumulativeDistribution(long[] supports, double alpha, Device device)
    {
        var weights = Weights(supports, alpha);
        double sum = weights.Sum();
        if (!(sum > 0)) throw new ArgumentException("No item has positive support to sample from.");
        int last = Array.FindLastIndex(weights, w => w > 0);
        var cdf = new double[weights.Length];
        double running = 0;
        for (int i = 0; i < cdf.Length; i++)
        {
            running += weights[i];
            cdf[i] = i >= last ? 1.0 : Math.Min(running / sum, 1.0);
        }
        return tensor(cdf, dtype: ScalarType.Float64, device: device).DetachFromDisposeScope();
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
    /// <exception cref="InvalidOperationException">A device-drawn cache.</exception>
    public int Draw()
    {
        var random = _random ?? throw new InvalidOperationException("This sample cache draws on the device.");
        int i = random.Next(_probability.Length);
        return random.NextDouble() < _probability[i] ? i : _alias[i];
    }

    /// <summary>The next row of shared negatives: a 1-D int64 tensor (a view into the cache) on the device.</summary>
    public Tensor Next()
    {
        if (_pointer >= Rows) Refill();
        return _cache!.narrow(0, (long)_pointer++ * NSample, NSample);
    }

    private void Refill()
    {
        _cache?.Dispose();
        _cache = null;
        if (_cdf is not null)
        {
            using var scope = NewDisposeScope();
            var uniforms = rand((long)Rows * NSample, dtype: ScalarType.Float64, device: _device, generator: _generator);
            _cache = searchsorted(_cdf, uniforms, right: true).MoveToOuterDisposeScope();
        }
        else
        {
            if (_checkpointable) _stateBeforeRefill = RandomState.Capture(_random!);
            for (int i = 0; i < _buffer!.Length; i++) _buffer[i] = Draw();
            _cache = torch.tensor(_buffer, dtype: ScalarType.Int64, device: _device);
        }
        _cache = _cache.DetachFromDisposeScope();
        _pointer = 0;
        Refills++;
    }

    private bool _checkpointable;

    /// <summary>
    /// Makes <see cref="WriteState"/> possible: from now on each host refill first notes the generator's state (a copy of
    /// a few hundred bytes per refill). Call before the first <see cref="Next"/>.
    /// </summary>
    public void EnableCheckpoints() => _checkpointable = true;

    /// <summary>
    /// Writes where the sampler is: refills, position in the cache, and the cache itself: for host draws the
    /// generator's state before the last refill (the cache is drawn again from it on restore, which also leaves the
    /// generator where it is now), for device draws the cached indices.
    /// </summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(Refills);
        writer.Write(_pointer);
        writer.Write(_cache is not null);
        if (_cache is null) return;
        if (_cdf is null)
        {
            var state = _stateBeforeRefill ?? throw new InvalidOperationException("EnableCheckpoints was not called before sampling.");
            writer.Write(state.Length);
            writer.Write(state);
            return;
        }
        using var cpu = _cache.cpu().contiguous();
        writer.Write(cpu.bytes.Length);
        writer.Write(cpu.bytes);
    }

    /// <summary>Restores the state written by <see cref="WriteState"/> into a fresh cache of the same data and settings.</summary>
    public void ReadState(BinaryReader reader)
    {
        int refills = reader.ReadInt32(), pointer = reader.ReadInt32();
        bool hasCache = reader.ReadBoolean();
        if (pointer < 0 || pointer > Rows || refills < 0 || hasCache != refills > 0) throw new InvalidDataException("The checkpoint's sampler state does not fit this sampler.");
        if (hasCache)
        {
            int length = reader.ReadInt32();
            if (length < 0 || length > (_cdf is null ? 1 << 20 : (long)Rows * NSample * sizeof(long))) throw new InvalidDataException("The checkpoint's sampler state does not fit this sampler.");
            byte[] data = reader.ReadBytes(length);
            if (data.Length != length) throw new EndOfStreamException();
            if (_cdf is null)
            {
                RandomState.Restore(_random!, data);
                Refill(); // the same draws again: the cache as it was, the generator where it was
            }
            else
            {
                if (length != (long)Rows * NSample * sizeof(long)) throw new InvalidDataException("The checkpoint's sampler state does not fit this sampler.");
                var host = empty((long)Rows * NSample, ScalarType.Int64);
                host.bytes = data;
                _cache?.Dispose();
                if (_device.type == DeviceType.CPU) _cache = host.DetachFromDisposeScope();
                else using (host) _cache = host.to(_device).DetachFromDisposeScope();
            }
        }
        _pointer = hasCache ? pointer : Rows;
        Refills = refills;
    }

    public void Dispose()
    {
        _cache?.Dispose();
        _cdf?.Dispose();
    }
}
