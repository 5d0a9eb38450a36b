using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The memory a GRU4Rec training run will allocate, estimated from its parameters and the item count before anything
/// is allocated, so that a run that cannot fit (<c>n_sample=1000000000</c>, <c>layers=20000</c>) is refused with one
/// line instead of the runtime aborting "Out of memory" gigabytes later. Counted in bytes (float32 weights, int64
/// indices): the network, the optimiser state (Adagrad accumulators, momentum velocities, dense gradients), the
/// sample cache (as <see cref="SampleCache"/> sizes it), the working set of one mini-batch step (the
/// batch × (batch + n_sample) scores with their autograd copies, the gathered item rows and their sparse updates) and
/// the per-epoch validation (the evaluator's slots × an item chunk of scores, bounded by the scorer's budget).
/// An estimate, not a bound: it leaves out allocator overhead and the data already read.
/// </summary>
internal sealed record Gru4RecMemoryEstimate(double NetworkBytes, double OptimizerBytes, double SampleCacheBytes, double StepBytes, double ValidationBytes)
{
    private const double Float = sizeof(float), Index = sizeof(long);

    // Autograd keeps several score-sized tensors per step: the scores, the (log-)softmax or sigmoid outputs, their
    // gradients and the loss' temporaries.
    private const double ScoreCopies = 4;

    // A gathered item row lives as the leaf, its gradient and the optimiser's temporaries (summed gradient,
    // accumulator rows, velocity rows, denominator).
    private const double RowCopies = 6;

    /// <summary>The whole estimate.</summary>
    public double TotalBytes => NetworkBytes + OptimizerBytes + SampleCacheBytes + StepBytes + ValidationBytes;

    /// <summary>
    /// The estimate for training <paramref name="options"/> on <paramref name="itemCount"/> items; with
    /// <paramref name="validation"/>, the per-epoch evaluation too.
    /// </summary>
    public static Gru4RecMemoryEstimate For(Gru4RecTrainer.Options options, int itemCount, bool validation,
        int sampleCacheSize = SampleCache.DefaultCacheSize, int validationSlots = 512, long scoreBudget = Gru4RecScorer.DefaultScoreBudget)
    {
        // Doubles throughout: layers=int.MaxValue must give a huge number, not an overflow.
        double n = itemCount, b = options.BatchSize, samples = options.NumberOfSamples;
        double[] h = options.LayerSizes.Select(x => (double)x).ToArray();
        double last = h[^1];
        var (itemParameters, denseParameters) = Gru4RecNetwork.WeightCounts(options, itemCount);
        double activations = 0;
        foreach (var (input, units) in Gru4RecNetwork.GruCells(options)) activations += 3 * units + input + 2 * units;
        double parameters = itemParameters + denseParameters;
        double network = Float * parameters;
        // AdagradMomentum keeps an accumulator per parameter (full size, also of the item-indexed ones), a velocity
        // with momentum; the dense GRU weights also hold their gradients.
        double optimizer = Float * (parameters * (options.Momentum > 0 ? 2 : 1) + denseParameters);

        double cache = 0;
        if (samples > 0)
        {
            double drawn = Math.Max(1, sampleCacheSize / options.NumberOfSamples) * samples; // rows × n_sample
            // Host draws: the long[] buffer and the tensor made from it; device draws: the uniforms and the indices.
            cache = 2 * Index * drawn + (sizeof(double) + sizeof(int) + sizeof(double)) * n; // + alias table, probabilities / cdf
        }

        double columns = b + samples;
        double step = ScoreCopies * Float * b * columns + b * columns // scores and copies; the diagonal mask (bool)
            + RowCopies * Float * columns * Math.Max(last, options.EmbeddingSize) // gathered output (and input) rows
            + 4 * Index * columns                                             // item indices, their unique/inverse
            + 2 * Float * b * (activations + h.Sum());                        // GRU activations and hidden states

        double evaluation = 0;
        if (validation)
        {
            // RankingEvaluator: one scorer of `slots` sessions; Rank scores a chunk of items bounded by the budget and
            // compares it with the targets (the scores, the kept product, the comparisons).
            double scored = Math.Min(validationSlots * n, Math.Max(scoreBudget, validationSlots));
            evaluation = 3 * Float * scored + Float * validationSlots * h.Sum() * 2;
        }
        return new(network, optimizer, cache, step, evaluation);
    }

    /// <summary>
    /// Memory this process can still allocate: the lower of the system's available memory (<c>/proc/meminfo</c>
    /// MemAvailable, where there is one) and the runtime's limit (physical memory, a container limit or the GC's hard
    /// limit) less what the process already uses; null when neither is known.
    /// </summary>
    public static long? AvailableHostBytes()
    {
        long? available = null;
        long limit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (limit > 0) available = Math.Max(0, limit - Environment.WorkingSet);
        if (MemAvailable() is { } free) available = available is { } a ? Math.Min(a, free) : free;
        return available;
    }

    private static long? MemAvailable()
    {
        try
        {
            if (!File.Exists("/proc/meminfo")) return null;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>
    /// Refuses a run that cannot fit: on the CPU every part is host memory; on another device the weights, optimiser,
    /// step and validation live on the device, whose free memory TorchSharp does not report, so only the host part
    /// (the sample cache's host tables) is checked there.
    /// </summary>
    /// <exception cref="InsufficientMemoryException">The estimate exceeds the available memory (the message gives both).</exception>
    public void Check(Gru4RecTrainer.Options options, Device device, long? availableBytes)
    {
        if (availableBytes is not { } available) return;
        double needed = device.type == DeviceType.CPU ? TotalBytes : HostPartOnDevice(options);
        if (needed <= available) return;
        string where = device.type == DeviceType.CPU ? "memory" : "host memory";
        throw new InsufficientMemoryException(
            $"GRU4Rec training needs about {Format(needed)} of {where} (network {Format(NetworkBytes)}, optimiser state and gradients {Format(OptimizerBytes)}, " +
            $"sample cache {Format(SampleCacheBytes)}, step buffers {Format(StepBytes)}, validation {Format(ValidationBytes)}) " +
            $"but {Format(available)} is available: lower layers ({string.Join(";", options.LayerSizes)}), n_sample ({options.NumberOfSamples}), " +
            $"batch_size ({options.BatchSize}) or embedding ({options.EmbeddingSize}).");
    }

    // Device draws keep only the item tables on the host.
    private double HostPartOnDevice(Gru4RecTrainer.Options options) => options.NumberOfSamples > 0 ? SampleCacheBytes - 2 * Index * DrawnOf(options) : 0;

    private static double DrawnOf(Gru4RecTrainer.Options options) =>
        Math.Max(1, SampleCache.DefaultCacheSize / Math.Max(1, options.NumberOfSamples)) * (double)options.NumberOfSamples;

    /// <summary>Bytes in binary units with three significant digits (e.g. "16.3 GiB").</summary>
    public static string Format(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        if (bytes >= 1024) return bytes.ToString("0.###E+0", CultureInfo.InvariantCulture) + " " + units[u];
        return (u == 0 ? bytes.ToString("0", CultureInfo.InvariantCulture) : bytes.ToString(bytes < 10 ? "0.##" : bytes < 100 ? "0.#" : "0", CultureInfo.InvariantCulture)) + " " + units[u];
    }

    /// <summary>One line for the log: the estimate by part.</summary>
    public override string ToString() =>
        $"estimated memory {Format(TotalBytes)} (network {Format(NetworkBytes)}, optimiser state and gradients {Format(OptimizerBytes)}, sample cache {Format(SampleCacheBytes)}, " +
        $"step buffers {Format(StepBytes)}, validation {Format(ValidationBytes)})";
}
