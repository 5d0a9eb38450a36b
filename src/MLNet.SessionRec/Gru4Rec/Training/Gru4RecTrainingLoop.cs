using System.Diagnostics;
using MLNet.SessionRec.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// The one owner of a GRU4Rec training run: data checks, threads, seeding, the epochs, divergence checks,
/// per-epoch validation and log lines. Each epoch is the session-parallel loop of the official code: per mini-batch
/// the scores of the batch's columns only (in-batch targets + shared samples, positives on the diagonal),
/// loss / batch_size, BPTT 1 (the hidden state is carried without gradient), Adagrad + momentum with sparse updates
/// of item rows. The model under training holds the network from the start, so validation scores it directly.
/// </summary>
internal sealed class Gru4RecTrainingLoop : IDisposable
{
    /// <summary>Multiply-adds of one step's products from which training uses every core (see Options.NumberOfThreads).</summary>
    internal const long LargeStepWork = 1L << 25;

    /// <summary>
    /// The thread count when <c>NumberOfThreads</c> is null: every core once a step's GRU and output products
    /// (batch × last layer × (3 × last layer + batch + samples) multiply-adds) reach <see cref="LargeStepWork"/>,
    /// else one (measured by bench/threads.sh; see docs/benchmarks.md).
    /// </summary>
    internal static int AutomaticThreads(Gru4RecTrainer.Options options, int cores)
    {
        long units = options.LayerSizes[^1], batch = options.BatchSize;
        long work = batch * units * (3 * units + batch + options.NumberOfSamples);
        return work >= LargeStepWork ? Math.Max(1, cores) : 1;
    }

    /// <summary>What the caller's environment provides: device, seed, log, warnings, cancellation.</summary>
    internal sealed record Host(Device Device, int? Seed, Action<string>? Log, Action<string>? Warn, Action? CheckAlive);

    private readonly Gru4RecTrainer.Options _o;
    private readonly Gru4RecNetwork _net;
    private readonly Device _device;
    private readonly AdagradMomentum _optimizer;
    private readonly SampleCache? _samples;
    private readonly Tensor? _logSupport;        // logq · log(support), per item (cross-entropy with logq only)
    // Per-step constants of the full batch size only; a shrunken tail batch uses views of them (bounded memory).
    private readonly Tensor? _diagonalMask;       // eye(B, B + n_sample) (bpr-max, top1-max)
    private readonly Tensor? _columnWeight;       // logQ weight per column: 1 for in-batch, alpha for sampled (B + n_sample)
    private readonly long[] _buffer;              // inputs and targets of a full batch
    private readonly Tensor[] _dense;
    private readonly Generator? _generator;
    private readonly long _eventsPerEpoch;

    /// <summary>
    /// Mini-batches between two checks that the running loss is finite. Each check is one read of a device scalar (one
    /// host sync); the weights' blow-up reaches the loss at the next step, so divergence is seen within this many steps.
    /// </summary>
    internal const int DivergenceCheckInterval = 64;

    /// <summary>An epoch whose mean loss exceeds this many times the reference (see <see cref="CheckExplosion"/>) is warned about.</summary>
    internal const double ExplosionFactor = 2.0;

    /// <summary>
    /// A loop with the run's <paramref name="randomness"/>: its device generator for dropout, and the sample cache of
    /// its device (host alias draws on the CPU, device draws elsewhere).
    /// </summary>
    internal Gru4RecTrainingLoop(Gru4RecNetwork net, SessionDataset train, TrainingRandomness randomness)
        : this(net, train, randomness.DeviceGenerator, (supports, o) => SampleCache.For(supports, o.SampleAlpha, o.NumberOfSamples, randomness))
    {
    }

    /// <summary>A CPU loop with host-drawn negatives from <paramref name="random"/> and dropout from <paramref name="generator"/>.</summary>
    internal Gru4RecTrainingLoop(Gru4RecNetwork net, SessionDataset train, Random random, Generator? generator = null)
        : this(net, train, generator, (supports, o) => new SampleCache(supports, o.SampleAlpha, o.NumberOfSamples, random, net.Device))
    {
    }

    private Gru4RecTrainingLoop(Gru4RecNetwork net, SessionDataset train, Generator? generator, Func<long[], Gru4RecTrainer.Options, SampleCache> samples)
    {
        _generator = generator;
        _net = net;
        _o = net.Options;
        _device = net.Device;
        _optimizer = new AdagradMomentum(_o.LearningRate, _o.Momentum);
        _dense = net.DenseParameters().ToArray();
        long[] supports = CountSupports(train, net.ItemCount);
        if (_o.NumberOfSamples > 0) _samples = samples(supports, _o);
        if (_o.Loss == Gru4RecLoss.CrossEntropy && _o.LogQ > 0)
            _logSupport = tensor(supports.Select(s => (float)(_o.LogQ * Math.Log(Math.Max(s, 1)))).ToArray(), device: _device).DetachFromDisposeScope();
        int b = _o.BatchSize;
        long columns = b + _o.NumberOfSamples;
        if (_o.Loss is Gru4RecLoss.BprMax or Gru4RecLoss.Top1Max)
            _diagonalMask = eye(b, columns, dtype: ScalarType.Bool, device: _device).DetachFromDisposeScope();
        if (_logSupport is not null)
        {
            // In-batch columns are corrected by log(support), sampled ones by log(support^alpha).
            var w = new float[columns];
            for (long i = 0; i < columns; i++) w[i] = i < b ? 1f : (float)_o.SampleAlpha;
            _columnWeight = tensor(w, device: _device).DetachFromDisposeScope();
        }
        _buffer = new long[2 * b];
        for (int s = 0; s < train.SessionCount; s++) _eventsPerEpoch += Math.Max(0, train.GetSessionLength(s) - 1);
    }

    /// <summary>Trains GRU4Rec on <paramref name="train"/> (see docs/losses.md); the caller owns the returned model.</summary>
    /// <exception cref="ArgumentException">Invalid options or unusable data.</exception>
    public static Gru4RecModel Run(SessionDataset train, SessionDataset? validation, Gru4RecTrainer.Options options, Host host)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        options.Validate(host.Warn);
        CheckData(train, validation, options);
        // Before any work: a checkpoint folder that cannot take the file fails now, not after the first epoch.
        string? checkpoint = options.CheckpointDirectory is { } folder ? Gru4RecCheckpoint.Prepare(folder) : null;
        var device = host.Device;
        int threads = options.NumberOfThreads ?? AutomaticThreads(options, Environment.ProcessorCount);
        using var torchThreads = TorchThreads.Use(device.type == DeviceType.CPU ? threads : 0); // restored when training ends
        // Own generators (torch for initialisation and dropout, System.Random for negative samples): a seeded run
        // is reproducible on CPU whatever else uses torch's global generator meanwhile.
        // On the CPU the weights and dropout share one CPU generator and the negatives come from System.Random, as
        // always; on CUDA the weights are drawn on the CPU and moved, dropout and negatives use the seeded device
        // generator (TrainingRandomness).
        int seed = host.Seed ?? Random.Shared.Next();
        using var randomness = TrainingRandomness.Create(seed, device);
        var model = new Gru4RecModel(options, train.Items, new Gru4RecNetwork(options, train.Items.Count, device, randomness.Initialisation));
        try
        {
            using var loop = new Gru4RecTrainingLoop(model.Network, train, randomness);
            byte[]? dataHash = checkpoint is null ? null : Gru4RecCheckpoint.HashData(train);
            if (checkpoint is not null) loop.Samples?.EnableCheckpoints();
            int done = 0;
            if (options.Resume && File.Exists(checkpoint))
            {
                done = Gru4RecCheckpoint.Restore(checkpoint, options, dataHash!, loop, randomness);
                host.Log?.Invoke($"GRU4Rec: resumed from the checkpoint after epoch {done} of {options.NumberOfEpochs}.");
            }
            else if (options.Resume)
            {
                host.Log?.Invoke($"GRU4Rec: no checkpoint in {options.CheckpointDirectory} yet: training from epoch 1.");
            }
            for (int epoch = done + 1; epoch <= options.NumberOfEpochs; epoch++)
            {
                var (loss, events, seconds) = loop.Epoch(train, epoch, host.CheckAlive);
                if (loop.CheckExplosion(epoch, loss) is { } warning) host.Warn?.Invoke(warning);
                var metrics = validation is null ? null : Validate(model, validation, options.ValidationCutoffs);
                var report = new Gru4RecEpochReport(epoch, loss, seconds, events / Math.Max(seconds, 1e-9), metrics);
                host.Log?.Invoke(report.ToString());
                options.OnEpoch?.Invoke(report);
                if (checkpoint is not null) Gru4RecCheckpoint.Write(checkpoint, epoch, options, dataHash!, loop, randomness);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    private static void CheckData(SessionDataset train, SessionDataset? validation, Gru4RecTrainer.Options options)
    {
        if (train.EventCount == 0 || train.Items.Count == 0) throw new ArgumentException("The training set has no events.", nameof(train));
        int trainable = 0; // sessions with a target (at least two events)
        for (int s = 0; s < train.SessionCount && trainable < 2; s++) if (train.GetSessionLength(s) >= 2) trainable++;
        if (trainable == 0 || (options.NumberOfSamples == 0 && trainable < 2))
            throw new ArgumentException(trainable == 0
                ? "The training set has no session with at least two events: GRU4Rec has nothing to predict."
                : "With n_sample=0 the negatives are the other sessions' targets, but the training set has only one session with at least two events.", nameof(train));
        if (validation is not null && !ReferenceEquals(validation.Items, train.Items) && !validation.Items.Ids.SequenceEqual(train.Items.Ids))
            throw new ArgumentException("The validation set must be read with the training set's item vocabulary (SessionFileReader.Read(path, vocabulary: train.Items)).", nameof(validation));
    }

    /// <summary>Recall/MRR of the model under training on the validation set, by the shared RankingEvaluator.</summary>
    private static IReadOnlyList<Gru4RecValidationMetric> Validate(Gru4RecModel model, SessionDataset validation, int[] cutoffs)
    {
        var evaluator = new RankingEvaluator(new RankingEvaluatorOptions { Cutoffs = cutoffs, ComputeListMetrics = false });
        var metrics = evaluator.Evaluate(model, validation);
        return metrics.Cutoffs.Select(c => new Gru4RecValidationMetric(c.Cutoff, c.Recall, c.Mrr)).ToArray();
    }

    /// <summary>Number of training events of each item in <paramref name="data"/> (the sampling popularity).</summary>
    internal static long[] CountSupports(SessionDataset data, int itemCount)
    {
        var supports = new long[itemCount];
        foreach (int item in data.ItemIndices) supports[item]++;
        return supports;
    }

    /// <summary>
    /// The diagonal mask (b × (b + n_sample)) and the logQ column weights (b + n_sample) of a batch of
    /// <paramref name="b"/> rows: the full-batch tensors for b = batch_size, views of them for a shrunken tail batch
    /// (eye(B, C)[:b, :b+S] = eye(b, b+S); the weights' last b+S entries), so nothing is cached per size.
    /// </summary>
    private (Tensor? DiagonalMask, Tensor? ColumnWeight) ForBatchSize(int b)
    {
        if (b == _o.BatchSize) return (_diagonalMask, _columnWeight);
        if (b > _o.BatchSize || b <= 0) throw new ArgumentOutOfRangeException(nameof(b));
        long columns = b + _o.NumberOfSamples;
        return (_diagonalMask?.narrow(0, 0, b).narrow(1, 0, columns), _columnWeight?.narrow(0, _o.BatchSize - b, columns));
    }

    /// <summary>The diagonal mask of a batch of <paramref name="b"/> rows (null for losses without one), for tests.</summary>
    internal Tensor? DiagonalMask(int b) => ForBatchSize(b).DiagonalMask;

    /// <summary>The sample cache (null with n_sample=0), for tests and checkpoints.</summary>
    internal SampleCache? Samples => _samples;

    /// <summary>The network under training (checkpoints).</summary>
    internal Gru4RecNetwork Network => _net;

    /// <summary>The optimiser and its state (checkpoints).</summary>
    internal AdagradMomentum Optimizer => _optimizer;

    /// <summary>The loss of the run's first mini-batch, before any update: the untrained network's loss (null before it).</summary>
    internal double? InitialLoss { get; set; }

    /// <summary>The lowest mean loss of an epoch so far (infinity before the first).</summary>
    internal double LowestEpochLoss { get; set; } = double.PositiveInfinity;

    /// <summary>
    /// The warning for an epoch whose mean <paramref name="loss"/> is more than <see cref="ExplosionFactor"/> times the
    /// lower of the untrained network's loss (the first mini-batch's) and the lowest earlier epoch's: a run that
    /// learns stays below both, so this is a blow-up that has not (yet) reached infinity. Null when the loss is fine.
    /// </summary>
    internal string? CheckExplosion(int epoch, double loss)
    {
        double reference = Math.Min(InitialLoss ?? double.PositiveInfinity, LowestEpochLoss);
        LowestEpochLoss = Math.Min(LowestEpochLoss, loss);
        if (!(reference > 0) || double.IsInfinity(reference) || !double.IsFinite(loss) || loss <= ExplosionFactor * reference) return null;
        string which = reference == InitialLoss ? "the untrained network's (first mini-batch)" : "the lowest earlier epoch's";
        return FormattableString.Invariant($"GRU4Rec epoch {epoch}: the mean loss {loss:G4} is more than {ExplosionFactor:0.#} times {which} {reference:G4}: the training is blowing up. {Hint(_o)}");
    }

    /// <summary>The likely causes of a blow-up among the parameters, by official and .NET name, with their values.</summary>
    internal static string Hint(Gru4RecTrainer.Options o)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string hint = $"Likely cause: too high a learning_rate (LearningRate, here {o.LearningRate.ToString("R", inv)})";
        if (o.Momentum > 0) hint += $" with momentum (Momentum, here {o.Momentum.ToString("R", inv)})";
        if (o.Loss == Gru4RecLoss.BprMax)
            hint += $", or too high a bpreg (BprMaxRegularization, here {o.BprMaxRegularization.ToString("R", inv)}) or elu_param (EluAlpha, here {o.EluAlpha.ToString("R", inv)})";
        return hint + ": lower it and train again.";
    }

    // One host read of the running loss sum: non-finite once any step's loss was (the losses are not negative).
    private void CheckFinite(Tensor lossSum, int epoch, long steps)
    {
        double sum = lossSum.item<float>();
        if (epoch == 1 && steps == 1 && InitialLoss is null && double.IsFinite(sum)) InitialLoss = sum;
        if (!double.IsFinite(sum))
            throw new Gru4RecTrainingDivergedException(
                $"GRU4Rec training diverged: the loss became {(double.IsNaN(sum) ? "NaN" : "infinite")} in epoch {epoch} by mini-batch {steps} " +
                $"(checked every {DivergenceCheckInterval}); no model was produced. {Hint(_o)}", epoch, steps);
    }

    /// <summary>
    /// The logQ correction subtracted from the scores of columns <paramref name="y"/> (training, cross-entropy only):
    /// logq·log(support) for the in-batch columns, logq·log(support^alpha) for the sampled ones; null without logQ.
    /// </summary>
    internal Tensor? LogQOffset(Tensor y, int batchRows) => LogQOffset(y, ForBatchSize(batchRows).ColumnWeight);

    private Tensor? LogQOffset(Tensor y, Tensor? columnWeight) =>
        _logSupport is null ? null : _logSupport.index_select(0, y).mul_(columnWeight!);

    /// <summary>Trains one epoch; returns (mean per-step loss, events, seconds).</summary>
    internal (double Loss, long Events, double Seconds) Epoch(SessionDataset train, int epoch, Action? checkAlive)
    {
        var watch = Stopwatch.StartNew();
        var batcher = new SessionParallelBatcher(train, _o.BatchSize);
        Tensor[]? state = null; // zero state of the first mini-batch's size (fewer sessions than slots: smaller)
        var next = new Tensor[_o.LayerSizes.Length];
        var gathered = new List<GatheredRows>(4);
        using var lossSum = zeros(1, device: _device);
        long events = 0, steps = 0;
        try
        {
            while (batcher.MoveNext())
            {
                checkAlive?.Invoke();
                int b = batcher.Count;
                if (_o.NumberOfSamples == 0 && b < 2) break; // no negatives left (as the official loop)
                bool fresh = state is null;
                state ??= _net.ZeroState(b);
                if (batcher.KeptSlots is { } kept)
                {
                    using var keep = tensor(kept.Select(k => (long)k).ToArray(), device: _device);
                    for (int i = 0; i < state.Length; i++)
                    {
                        var shrunk = state[i].index_select(0, keep).DetachFromDisposeScope();
                        state[i].Dispose();
                        state[i] = shrunk;
                    }
                }
                if (!fresh && batcher.ResetSlots.Count > 0)
                {
                    using var reset = tensor(batcher.ResetSlots.Select(k => (long)k).ToArray(), device: _device);
                    foreach (var h in state) h.index_fill_(0, reset, 0);
                }
                Step(batcher, b, state, next, gathered, lossSum);
                events += b;
                steps++;
                if (steps % DivergenceCheckInterval == 0 || (epoch == 1 && steps == 1 && InitialLoss is null)) CheckFinite(lossSum, epoch, steps);
                if (_o.OnProgress is { } progress && steps % 16 == 0)
                    progress(new Gru4RecEpochProgress(epoch, Math.Min(1.0, events / (double)Math.Max(1, _eventsPerEpoch))));
            }
        }
        finally
        {
            if (state is not null) foreach (var h in state) h.Dispose();
        }
        if (steps == 0) return (double.NaN, 0, watch.Elapsed.TotalSeconds);
        CheckFinite(lossSum, epoch, steps);
        CheckWeights(epoch, steps);
        double loss = lossSum.item<float>() / steps;
        return (loss, events, watch.Elapsed.TotalSeconds);
    }

    private void Step(SessionParallelBatcher batcher, int b, Tensor[] state, Tensor[] next, List<GatheredRows> gathered, Tensor lossSum)
    {
        using var scope = NewDisposeScope();
        var (mask, weight) = ForBatchSize(b);
        var buffer = b == _o.BatchSize ? _buffer : new long[2 * b];
        for (int i = 0; i < b; i++) { buffer[i] = batcher.Inputs[i]; buffer[b + i] = batcher.Targets[i]; }
        var inOut = tensor(buffer, device: _device);
        var x = inOut.narrow(0, 0, b);
        var xy = _samples is null ? inOut : cat([inOut, _samples.Next()], 0);
        var y = xy.narrow(0, b, xy.shape[0] - b);
        var offset = LogQOffset(y, weight);
        gathered.Clear();
        var scores = _net.TrainForward(x, y, xy, state, next, offset, gathered, _generator);
        var loss = _o.Loss switch
        {
            Gru4RecLoss.CrossEntropy => Gru4RecLosses.CrossEntropy(scores),
            Gru4RecLoss.BprMax => Gru4RecLosses.BprMax(scores, mask!, _o.BprMaxRegularization, _o.EluAlpha),
            Gru4RecLoss.Top1Max => Gru4RecLosses.Top1Max(scores, mask!),
            Gru4RecLoss.Top1 => Gru4RecLosses.Top1(scores),
            _ => Gru4RecLosses.Bpr(scores),
        } / _o.BatchSize; // the configured batch size, also when the batch has shrunk
        loss.backward();
        using (no_grad())
        {
            foreach (var p in _dense)
            {
                var g = p.grad!;
                _optimizer.Dense(p, g);
                g.zero_();
            }
            foreach (var g in gathered) _optimizer.SparseRows(g.Parameter, g.Index, g.Rows.grad!);
            for (int i = 0; i < state.Length; i++) state[i].copy_(next[i]); // BPTT 1: carry values, not the graph
            lossSum.add_(loss.detach());
        }
    }

    /// <summary>
    /// At the end of an epoch, one reduction over every weight on the device and one host read: a non-finite item row
    /// reaches the loss only when its item comes up again, and a model with one could be saved but not loaded.
    /// </summary>
    private void CheckWeights(int epoch, long steps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weights = _net.NamedTensors();
        if (stack(weights.Select(w => w.Tensor.isfinite().all()).ToArray()).all().item<bool>()) return;
        string name = weights.First(w => !w.Tensor.isfinite().all().item<bool>()).Name;
        throw new Gru4RecTrainingDivergedException(
            $"GRU4Rec training diverged: the weight {name} became non-finite in epoch {epoch} (found at its end, mini-batch {steps}); no model was produced. {Hint(_o)}", epoch, steps);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _samples?.Dispose();
        _logSupport?.Dispose();
        _diagonalMask?.Dispose();
        _columnWeight?.Dispose();
    }
}
