using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// A trained GRU4Rec model (Hidasi &amp; Karatzoglou 2018): its parameters, item vocabulary and weights. It scores
/// all items of the vocabulary for any number of parallel sessions (<see cref="CreateScorer"/>) and saves itself
/// inside ML.NET models. Train it with <see cref="Gru4RecTrainer"/> (<c>Fit</c> in a pipeline, or
/// <see cref="Gru4RecTrainer.Train(SessionDataset, SessionDataset?)"/> on a <see cref="SessionDataset"/>). Weights live on <see cref="Device"/>.
/// </summary>
public sealed class Gru4RecModel : ISavableSessionModel, IColdStartScores, IDisposable
{
    /// <summary>The model kind in saved models.</summary>
    internal const string Kind = "gru4rec";

    private const int BodyVersion = 1;
    private readonly Gru4RecNetwork _net;
    private readonly Gru4RecTrainer.Options _options;
    private readonly Lazy<QuantizedItemIndex?> _index;
    private readonly Lazy<CpuScoreKernel?> _kernel;
    // Every use of the weights (this model's and its scorers' calls) enters it; Dispose frees them once none is in flight.
    private readonly UsageGuard _guard;

    internal Gru4RecModel(Gru4RecTrainer.Options options, ItemVocabulary items, Gru4RecNetwork net)
    {
        _options = options;
        Items = items;
        _net = net;
        // Built on the first list asked of the trained model (CPU, large catalogs): exact top-k from a quarter of the bytes.
        _index = new(() => QuantizedItemIndex.TryBuild(net), LazyThreadSafetyMode.ExecutionAndPublication);
        _kernel = new(() => CpuScoreKernel.TryBuild(net), LazyThreadSafetyMode.ExecutionAndPublication);
        _guard = new UsageGuard(() => $"The GRU4Rec model ({items.Count} items) has been disposed (its native weights are released).");
    }

    /// <inheritdoc/>
    public string Name => Kind;

    /// <inheritdoc/>
    public string ModelKind => Kind;

    /// <inheritdoc/>
    public ItemVocabulary Items { get; }

    /// <summary>The parameters the model was trained with (a copy).</summary>
    public Gru4RecTrainer.Options Options => _options.Clone();

    /// <summary>The device holding the weights.</summary>
    public Device Device => _net.Device;

    internal Gru4RecNetwork Network => _net;

    /// <inheritdoc/>
    ISessionScorer ISessionModel.CreateScorer(int slots) => CreateScorer(slots);

    /// <summary>A scorer with <paramref name="slots"/> parallel sessions on the model's device.</summary>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public Gru4RecScorer CreateScorer(int slots)
    {
        using var lease = _guard.Enter();
        return new(_net, slots, _guard, _index, _kernel);
    }

    /// <summary>
    /// Top-<paramref name="k"/> items (dense indices, best first) and scores after each of <paramref name="sessions"/>
    /// (item-index prefixes; negative entries are skipped; an empty session gets the zero-state answer), computed in
    /// session-parallel batches of <paramref name="batchSize"/> on the model's device. Row r of the results is
    /// <c>[r*k, (r+1)*k)</c>.
    /// </summary>
    public (int[] Items, float[] Scores) RecommendTopK(IReadOnlyList<int[]> sessions, int k, int batchSize = 256)
    {
        using var lease = _guard.Enter();
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
        var (v, ix) = ZeroStateScores().topk(k, 1);
        var vs = v.cpu().data<float>().ToArray();
        var xs = ix.cpu().data<long>().ToArray();
        foreach (int r in rows)
            for (int j = 0; j < k; j++) { topItems[r * k + j] = (int)xs[j]; topScores[r * k + j] = vs[j]; }
    }

    // Scores of all items for a zero hidden state (h = 0 gives the output bias By); call inside a dispose scope.
    private Tensor ZeroStateScores() => _net.ScoreAll(zeros(1, _options.LayerSizes[^1], device: _net.Device));

    /// <inheritdoc/>
    void IColdStartScores.ScoreEmptySession(Span<float> scores)
    {
        using var lease = _guard.Enter();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var all = ZeroStateScores().cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(all.bytes).CopyTo(scores);
    }

    /// <inheritdoc/>
    public void Write(BinaryWriter writer)
    {
        using var lease = _guard.Enter();
        writer.Write(BodyVersion);
        writer.Write(_options.ToString());
        ModelBinary.WriteVocabulary(writer, Items);
        var tensors = _net.NamedTensors();
        writer.Write(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            writer.Write(name);
            writer.Write(t.shape.Length);
            foreach (long d in t.shape) writer.Write(d);
            WriteValues(writer, t);
        }
    }

    /// <summary>The most stacked GRU layers a saved model may declare.</summary>
    internal const int MaxLayers = 256;

    /// <summary>Rows of a weight copied to or from the host at once (bounded, so tensors over 2 GB need no 2 GB array).</summary>
    private const long ChunkBytes = 64L << 20;

    /// <summary>Writes the tensor's float values (row-major) in chunks of rows: the same bytes as one block.</summary>
    private static void WriteValues(BinaryWriter writer, Tensor t)
    {
        using var flat = t.detach().reshape(-1);
        long count = flat.numel(), step = ChunkBytes / sizeof(float);
        for (long start = 0; start < count; start += step)
        {
            using var part = flat.narrow(0, start, Math.Min(step, count - start));
            using var cpu = part.cpu().contiguous();
            writer.Write(cpu.bytes);
        }
    }

    /// <summary>Reads <paramref name="t"/>'s values written by <see cref="WriteValues"/> (or as one block by release 1: the same bytes).</summary>
    private static void ReadValues(BinaryReader reader, Tensor t, string name)
    {
        using var flat = t.reshape(-1);
        long count = flat.numel(), step = ChunkBytes / sizeof(float);
        for (long start = 0; start < count; start += step)
        {
            long length = Math.Min(step, count - start);
            long bytes = length * sizeof(float);
            byte[] data = reader.ReadBytes((int)bytes);
            if (data.Length != bytes) throw new EndOfStreamException();
            foreach (float v in MemoryMarshal.Cast<byte, float>(data))
                if (!float.IsFinite(v)) throw ModelBinary.Invalid($"GRU4Rec weight '{name}' contains a non-finite value.");
            using var part = flat.narrow(0, start, length);
            part.bytes = data;
        }
    }

    /// <summary>
    /// Reads a model body written by <see cref="Write"/> onto the CPU, then moves it to the device that
    /// <paramref name="env"/> asks for (GpuDeviceId / FallbackToCpu), as ML.NET's TorchSharp transformers do.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is not a valid GRU4Rec model body.</exception>
    internal static Gru4RecModel Read(BinaryReader reader, IHostEnvironment? env)
    {
        int version = reader.ReadInt32();
        if (version != BodyVersion) throw ModelBinary.Invalid($"Unsupported GRU4Rec model body version {version} (this library reads {BodyVersion}).");
        Gru4RecTrainer.Options options;
        try
        {
            options = Gru4RecTrainer.Options.Parse(ModelBinary.ReadString(reader, "the GRU4Rec parameters"));
            options.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw ModelBinary.Invalid($"the GRU4Rec model's parameters are invalid: {e.Message.Split('\n')[0]}", e);
        }
        if (options.LayerSizes.Length > MaxLayers)
            throw ModelBinary.Invalid($"the GRU4Rec model has {options.LayerSizes.Length} layers; at most {MaxLayers} are read.");
        var items = ModelBinary.ReadVocabulary(reader);
        // The weights are stored as float32 after the vocabulary: a network whose weights cannot be in the bytes left
        // (layers=8000 in a 400 KB file) is refused before libtorch allocates it.
        long weights = Gru4RecNetwork.WeightCount(options, items.Count);
        ModelBinary.CheckFits(reader, weights, sizeof(float),
            $"the GRU4Rec network (layers={string.Join('/', options.LayerSizes)}, embedding={options.EmbeddingSize}, {items.Count} items): weight count", long.MaxValue - 1);
        var net = new Gru4RecNetwork(options, items.Count, CPU);
        try
        {
            var expected = net.NamedTensors().ToDictionary(t => t.Name, t => t.Tensor);
            int count = reader.ReadInt32();
            if (count != expected.Count) throw ModelBinary.Invalid($"The GRU4Rec model has {count} weight tensors; {expected.Count} expected for its parameters.");
            using var noGrad = no_grad();
            for (int k = 0; k < count; k++)
            {
                string name = ModelBinary.ReadString(reader, "a GRU4Rec weight name");
                if (!expected.Remove(name, out var t)) throw ModelBinary.Invalid($"GRU4Rec weight '{ModelBinary.Printable(name)}' is unexpected or repeated for the model's parameters.");
                int rank = reader.ReadInt32();
                if (rank != t.shape.Length) throw ModelBinary.Invalid($"GRU4Rec weight '{name}' has rank {rank}; {t.shape.Length} expected.");
                var shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = reader.ReadInt64();
                if (!shape.SequenceEqual(t.shape))
                    throw ModelBinary.Invalid($"GRU4Rec weight '{name}' has shape [{string.Join(",", shape)}]; [{string.Join(",", t.shape)}] expected.");
                ReadValues(reader, t, name);
            }
            if (env is not null)
            {
                var device = TorchDevice.Resolve(env, "Load");
                if (device.type != DeviceType.CPU) net.MoveTo(device);
            }
        }
        catch
        {
            net.Dispose();
            throw;
        }
        return new Gru4RecModel(options, items, net);
    }

    /// <summary>
    /// Frees the native weights once the calls in flight (of this model and its scorers, on any thread) have finished;
    /// later calls throw <see cref="ObjectDisposedException"/>. Do not call it from inside such a call.
    /// </summary>
    public void Dispose()
    {
        if (!_guard.TryClose()) return;
        _net.Dispose();
        if (_kernel.IsValueCreated) _kernel.Value?.Dispose();
    }

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposed => _guard.IsClosed;
}

/// <summary>Registers GRU4Rec's reader with the model registry when the assembly loads.</summary>
internal static class Gru4RecModelRegistration
{
#pragma warning disable CA2255 // a module initializer is the point: persistence finds models without knowing them
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => SessionModelRegistry.Register(Gru4RecModel.Kind, Gru4RecModel.Read);
}
