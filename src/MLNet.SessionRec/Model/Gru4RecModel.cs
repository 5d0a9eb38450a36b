using System.Runtime.InteropServices;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.Serialization;
using MLNet.SessionRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Model;

/// <summary>
/// A trained GRU4Rec model (Hidasi &amp; Karatzoglou 2018): hyper-parameters, item vocabulary and weights.
/// Scores all items of the vocabulary for any number of parallel sessions (<see cref="CreateScorer"/>).
/// Train it with <see cref="Train"/>; save with <see cref="SessionModelRegistry.Write"/> (kind "gru4rec").
/// Weights live on <see cref="Device"/> (CPU after loading; see <see cref="MoveTo"/>).
/// </summary>
public sealed class Gru4RecModel : ISavableSessionModel, IDisposable
{
    private const int BodyVersion = 1;
    private readonly Gru4RecNetwork _net;
    private readonly Gru4RecOptions _options;

    internal Gru4RecModel(Gru4RecOptions options, ItemVocabulary items, Gru4RecNetwork net)
    {
        _options = options;
        Items = items;
        _net = net;
    }

    /// <inheritdoc/>
    public string Name => "gru4rec";

    /// <inheritdoc/>
    public string ModelKind => "gru4rec";

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>The hyper-parameters the model was trained with (a copy).</summary>
    public Gru4RecOptions Options => _options.Clone();

    /// <summary>The device holding the weights.</summary>
    public Device Device => _net.Device;

    internal Gru4RecNetwork Network => _net;

    /// <summary>Moves the weights to <paramref name="device"/> (e.g. CUDA); scorers created before keep their old state device.</summary>
    public void MoveTo(Device device) => _net.MoveTo(device);

    /// <summary>Trains GRU4Rec on <paramref name="train"/> with the official algorithm (see docs/losses.md).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static Gru4RecModel Train(SessionDataset train, Gru4RecOptions options, Gru4RecRunSettings? run = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        run ??= new Gru4RecRunSettings();
        options = options.Clone();
        options.Validate(run.Warn);
        if (train.EventCount == 0 || train.Items.Count == 0) throw new ArgumentException("The training set has no events.", nameof(train));
        int trainable = 0; // sessions with a target (at least two events)
        for (int s = 0; s < train.SessionCount && trainable < 2; s++) if (train.GetSessionLength(s) >= 2) trainable++;
        if (trainable == 0 || (options.NSample == 0 && trainable < 2))
            throw new ArgumentException(trainable == 0
                ? "The training set has no session with at least two events: GRU4Rec has nothing to predict."
                : "With n_sample=0 the negatives are the other sessions' targets, but the training set has only one session with at least two events.", nameof(train));
        if (run.Validation is not null && !ReferenceEquals(run.Validation.Items, train.Items)
            && !run.Validation.Items.Ids.SequenceEqual(train.Items.Ids))
            throw new ArgumentException("The validation set must be read with the training set's item vocabulary (SessionFileReader.Read(path, vocabulary: train.Items)).", nameof(run));
        var device = run.Device ?? CPU;
        int threads = run.CpuThreads ?? 1;
        if (threads < 0) throw new ArgumentException($"CpuThreads must be zero or positive (got {threads}).", nameof(run));
        int previousThreads = get_num_threads();
        bool setThreads = device.type == DeviceType.CPU && threads > 0;
        if (setThreads) set_num_threads(threads);
        // Own generators (torch for initialisation and dropout, System.Random for negative samples): a seeded run
        // is reproducible on CPU whatever else uses torch's global generator meanwhile.
        int seed = run.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        using var generator = new Generator((ulong)seed, device);
        var net = new Gru4RecNetwork(options, train.Items.Count, device, generator);
        try
        {
            using var trainer = new SessionParallelTrainer(net, train, random, generator);
            for (int epoch = 1; epoch <= options.NEpochs; epoch++)
            {
                var (loss, events, seconds) = trainer.Epoch(train, run.CheckAlive);
                if (double.IsNaN(loss)) throw new InvalidOperationException($"GRU4Rec training diverged: NaN loss in epoch {epoch} (try a lower learning_rate).");
                IReadOnlyList<Gru4RecValidationMetric>? metrics = run.Validation is null ? null : Validate(options, train.Items, net, run);
                var report = new Gru4RecEpochReport(epoch, loss, seconds, events / Math.Max(seconds, 1e-9), metrics);
                run.Log?.Invoke($"Epoch {epoch}: loss {loss:F6} ({seconds:F2} s, {report.EventsPerSecond:F0} events/s)"
                    + (metrics is null ? "" : " " + string.Join(" ", metrics.Select(m => $"Recall@{m.Cutoff} {m.Recall:F4} MRR@{m.Cutoff} {m.Mrr:F4}"))));
                run.OnEpoch?.Invoke(report);
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        finally
        {
            if (setThreads) set_num_threads(previousThreads);
        }
        return new Gru4RecModel(options, train.Items, net);
    }

    /// <summary>Recall/MRR of the model under training on the validation set, by the shared RankingEvaluator.</summary>
    private static IReadOnlyList<Gru4RecValidationMetric> Validate(Gru4RecOptions options, ItemVocabulary items, Gru4RecNetwork net, Gru4RecRunSettings run)
    {
        var view = new Gru4RecModel(options, items, net); // not disposed: the network stays in training
        var evaluator = new RankingEvaluator(new RankingEvaluatorOptions { Cutoffs = run.ValidationCutoffs, ComputeListMetrics = false });
        var metrics = evaluator.Evaluate(view, run.Validation!);
        return metrics.Cutoffs.Select(c => new Gru4RecValidationMetric(c.Cutoff, c.Recall, c.Mrr)).ToArray();
    }

    /// <inheritdoc/>
    ISessionScorer ISessionModel.CreateScorer(int slots) => CreateScorer(slots);

    /// <summary>A scorer with <paramref name="slots"/> parallel sessions on the model's device.</summary>
    public Gru4RecScorer CreateScorer(int slots) => new(_net, slots);

    /// <summary>
    /// Top-<paramref name="k"/> items (dense indices, best first) and scores after each of <paramref name="sessions"/>
    /// (item-index prefixes; negative entries are skipped; an empty session gets the zero-state answer), computed in
    /// session-parallel batches of <paramref name="batchSize"/> on the model's device. Row r of the results is
    /// <c>[r*k, (r+1)*k)</c>.
    /// </summary>
    public (int[] Items, float[] Scores) RecommendTopK(IReadOnlyList<int[]> sessions, int k, int batchSize = 256)
    {
        var items = new int[sessions.Count * k];
        var scores = new float[sessions.Count * k];
        for (int start = 0; start < sessions.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, sessions.Count - start);
            using var scorer = CreateScorer(rows);
            var step = new int[rows];
            var topItems = new int[rows * k];
            var topScores = new float[rows * k];
            var position = new int[rows];
            var cold = new List<int>();
            for (int r = 0; r < rows; r++) if (!sessions[start + r].Any(i => i >= 0)) cold.Add(r);
            while (true)
            {
                bool any = false;
                for (int r = 0; r < rows; r++)
                {
                    var s = sessions[start + r];
                    while (position[r] < s.Length && s[position[r]] < 0) position[r]++;
                    step[r] = position[r] < s.Length ? s[position[r]++] : -1;
                    any |= step[r] >= 0;
                }
                if (!any) break;
                scorer.StepTopK(step, k, topItems, topScores);
            }
            if (cold.Count > 0) ColdStartTopK(k, cold, topItems, topScores);
            topItems.CopyTo(items, start * k);
            topScores.CopyTo(scores, start * k);
        }
        return (items, scores);
    }

    /// <summary>The answer for a session without (known) events: the scores of the zero hidden state.</summary>
    private void ColdStartTopK(int k, List<int> rows, int[] topItems, float[] topScores)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var h = zeros(1, _options.Layers[^1], device: _net.Device);
        var (v, ix) = _net.ScoreAll(h).topk(k, 1);
        var vs = v.cpu().data<float>().ToArray();
        var xs = ix.cpu().data<long>().ToArray();
        foreach (int r in rows)
            for (int j = 0; j < k; j++) { topItems[r * k + j] = (int)xs[j]; topScores[r * k + j] = vs[j]; }
    }

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        writer.Write(BodyVersion);
        writer.Write(_options.ToString());
        SessionModelRegistry.WriteVocabulary(writer, Items);
        var tensors = _net.NamedTensors().ToList();
        writer.Write(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            writer.Write(name);
            writer.Write(t.shape.Length);
            foreach (long d in t.shape) writer.Write(d);
            using var cpu = t.detach().cpu().contiguous();
            writer.Write(cpu.bytes);
        }
    }

    /// <summary>Reads a model body written by <see cref="Write"/> (weights on the CPU).</summary>
    /// <exception cref="InvalidDataException">The data is not a valid GRU4Rec model body.</exception>
    public static Gru4RecModel Read(BinaryReader reader)
    {
        int version = reader.ReadInt32();
        if (version != BodyVersion) throw new InvalidDataException($"Unsupported GRU4Rec model body version {version} (this library reads {BodyVersion}).");
        Gru4RecOptions options;
        try
        {
            options = Gru4RecOptions.Parse(reader.ReadString());
            options.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"The GRU4Rec model's parameters are invalid: {e.Message}", e);
        }
        var items = SessionModelRegistry.ReadVocabulary(reader);
        var net = new Gru4RecNetwork(options, items.Count, CPU);
        try
        {
            var expected = net.NamedTensors().ToList();
            int count = reader.ReadInt32();
            if (count != expected.Count) throw new InvalidDataException($"The GRU4Rec model has {count} weight tensors; {expected.Count} expected for its parameters.");
            using var noGrad = no_grad();
            foreach (var (name, t) in expected)
            {
                string actual = reader.ReadString();
                if (actual != name) throw new InvalidDataException($"GRU4Rec weight '{actual}' found where '{name}' was expected.");
                int rank = reader.ReadInt32();
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = reader.ReadInt64();
                if (!shape.SequenceEqual(t.shape))
                    throw new InvalidDataException($"GRU4Rec weight '{name}' has shape [{string.Join(",", shape)}]; [{string.Join(",", t.shape)}] expected.");
                long bytes = t.numel() * sizeof(float);
                byte[] data = reader.ReadBytes(checked((int)bytes));
                if (data.Length != bytes) throw new EndOfStreamException();
                var values = MemoryMarshal.Cast<byte, float>(data);
                foreach (float v in values) if (!float.IsFinite(v)) throw new InvalidDataException($"GRU4Rec weight '{name}' contains a non-finite value.");
                t.bytes = data;
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return new Gru4RecModel(options, items, net);
    }

    /// <summary>Frees the native weights.</summary>
    public void Dispose() => _net.Dispose();
}
