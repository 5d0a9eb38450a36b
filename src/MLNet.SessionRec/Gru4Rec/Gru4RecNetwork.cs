using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>A row-gathered copy of an item-indexed parameter: a leaf whose gradient gets a sparse update.</summary>
internal readonly record struct GatheredRows(Tensor Parameter, Tensor Index, Tensor Rows);

/// <summary>
/// The GRU4Rec network as in the official <c>GRU4RecModel</c>, as a TorchSharp module: an input embedding
/// (constrained = rows of the output matrix Wy, a separate embedding E, or one-hot input through a GRU layer that
/// reads rows of its input weight Wx0), stacked GRU cells G0, G1, ... (gate order r, z, n; h' = (1−z)·n + z·h), and
/// scores h·Wy[cols]ᵀ + By[cols]. Every weight is a registered parameter (so <c>to(device)</c>, <c>parameters()</c>
/// and disposal come from the module). Item-indexed ones (Wy, By, E, Wx0) do not require gradients: training
/// gathers their rows into leaves and updates them sparsely; the GRU weights are dense autograd parameters.
/// </summary>
internal sealed class Gru4RecNetwork : nn.Module
{
    // Field names equal the registered parameter names: TorchSharp's to(device) updates such fields in place.
#pragma warning disable IDE1006 // names of registered parameters
    internal Parameter Wy;
    internal Parameter By;
    internal Parameter? E;
    internal Parameter? Wx0;
    internal Parameter? Wrz0;
    internal Parameter? Wh0;
    internal Parameter? Bh0;
#pragma warning restore IDE1006
    private readonly Generator? _generator;

    /// <summary>
    /// A network initialised on the CPU (with <paramref name="generator"/>, a CPU generator, when given) and then moved
    /// to <paramref name="device"/>: the initial weights of a seed are the same on every device, and the CPU generators
    /// TorchSharp makes never draw into a device tensor.
    /// </summary>
    public Gru4RecNetwork(Gru4RecTrainer.Options options, int itemCount, Device device, Generator? generator = null) : base(nameof(Gru4RecNetwork))
    {
        LibTorch.EnsureEnvironment();
        _generator = generator;
        Options = options;
        ItemCount = itemCount;
        Device = CPU;
        int[] layers = options.LayerSizes;
        int last = layers[^1];
        int inputSize;
        using var noGrad = no_grad();
        // Initialisation order (E or Wx0.., the GRU cells, Wy, By) fixes the seeded generator's draws: keep it.
        if (options.ConstrainedEmbedding) inputSize = last;
        else if (options.EmbeddingSize > 0)
        {
            E = Register(nameof(E), Glorot(empty(itemCount, options.EmbeddingSize, device: CPU), itemCount, options.EmbeddingSize, 1), grad: false);
            inputSize = options.EmbeddingSize;
        }
        else
        {
            // One-hot input: the first layer is a GRU whose input weight rows are looked up by item index.
            int h0 = layers[0];
            Wx0 = Register(nameof(Wx0), Glorot(empty(itemCount, 3 * h0, device: CPU), itemCount, h0, 3, blocksAlongColumns: true), grad: false);
            Wrz0 = Register(nameof(Wrz0), Glorot(empty(h0, 2 * h0, device: CPU), h0, h0, 2, blocksAlongColumns: true), grad: true);
            Wh0 = Register(nameof(Wh0), Glorot(empty(h0, h0, device: CPU), h0, h0, 1), grad: true);
            Bh0 = Register(nameof(Bh0), zeros(3 * h0, device: CPU), grad: true);
            Start = 1;
            inputSize = itemCount;
        }
        Cells = new GRUCell[layers.Length - Start];
        for (int i = Start; i < layers.Length; i++)
        {
            int inSize = i > 0 ? layers[i - 1] : inputSize;
            var cell = nn.GRUCell(inSize, layers[i], bias: true, device: CPU);
            // Glorot per gate block (r, z, n), biases zero, as the official compatibility initialisation.
            Glorot(cell.weight_ih!, inSize, layers[i], 3);
            Glorot(cell.weight_hh!, layers[i], layers[i], 3);
            cell.bias_ih!.zero_();
            cell.bias_hh!.zero_();
            Cells[i - Start] = cell;
            register_module($"G{i}", cell);
        }
        Wy = Register(nameof(Wy), Glorot(empty(itemCount, last, device: CPU), itemCount, last, 1), grad: false);
        By = Register(nameof(By), zeros(itemCount, device: CPU), grad: false);
        if (device.type != DeviceType.CPU) MoveTo(device);
    }

    /// <summary>
    /// The number of float weights the network of <paramref name="options"/> over <paramref name="itemCount"/> items
    /// has (the tensors the constructor allocates), computed without allocating; <see cref="long.MaxValue"/> when it overflows.
    /// </summary>
    public static long WeightCount(Gru4RecTrainer.Options options, int itemCount)
    {
        var (itemIndexed, dense) = WeightCounts(options, itemCount);
        double total = itemIndexed + dense; // exact below 2^53, far beyond any file or memory
        return total >= long.MaxValue ? long.MaxValue : (long)total;
    }

    /// <summary>
    /// The float weights of the network, without allocating: those indexed by item (Wy, By, and E or Wx0) and the dense
    /// rest (the GRU cells, and Wrz0, Wh0, Bh0 with one-hot input). In doubles, so that absurd parameters give a huge
    /// number rather than an overflow (the memory estimate and the model reader both count from here).
    /// </summary>
    public static (double ItemIndexed, double Dense) WeightCounts(Gru4RecTrainer.Options options, int itemCount)
    {
        double n = itemCount, last = options.LayerSizes[^1];
        double itemIndexed = n * last + n, dense = 0; // Wy, By
        if (options.ConstrainedEmbedding) { }
        else if (options.EmbeddingSize > 0) itemIndexed += n * options.EmbeddingSize; // E
        else
        {
            double h0 = options.LayerSizes[0];
            itemIndexed += n * 3 * h0; // Wx0
            dense += h0 * 2 * h0 + h0 * h0 + 3 * h0; // Wrz0, Wh0, Bh0
        }
        foreach (var (input, units) in GruCells(options))
            dense += 3 * units * (input + units) + 6 * units; // weight_ih, weight_hh, bias_ih, bias_hh
        return (itemIndexed, dense);
    }

    /// <summary>
    /// The input and hidden sizes of the GRU cells, in order: the constrained embedding feeds the last layer's size,
    /// an embedding its size; with one-hot input the first layer is Wx0/Wrz0/Wh0 rather than a cell.
    /// </summary>
    public static IEnumerable<(double Input, double Units)> GruCells(Gru4RecTrainer.Options options)
    {
        int[] layers = options.LayerSizes;
        bool oneHot = !options.ConstrainedEmbedding && options.EmbeddingSize <= 0;
        double input = options.ConstrainedEmbedding ? layers[^1] : options.EmbeddingSize;
        for (int i = oneHot ? 1 : 0; i < layers.Length; i++)
            yield return (i > 0 ? layers[i - 1] : input, layers[i]);
    }

    private Parameter Register(string name, Tensor value, bool grad)
    {
        var parameter = new Parameter(value, requires_grad: grad); // takes over the tensor's handle
        register_parameter(name, parameter);
        return parameter;
    }

    public Gru4RecTrainer.Options Options { get; }
    public int ItemCount { get; }
    public Device Device { get; private set; }
    public GRUCell[] Cells { get; }

    /// <summary>1 in one-hot mode (layer 0 is the embedding GRU), else 0.</summary>
    public int Start { get; }

    /// <summary>Fills <paramref name="t"/> with U(±√(6/(fanIn+fanOut))), drawn per block of rows (or columns).</summary>
    private Tensor Glorot(Tensor t, long fanIn, long fanOut, int blocks, bool blocksAlongColumns = false)
    {
        double a = Math.Sqrt(6.0 / (fanIn + fanOut));
        int dim = blocksAlongColumns ? 1 : 0;
        long size = t.shape[dim] / blocks;
        using var noGrad = no_grad();
        for (int b = 0; b < blocks; b++)
            using (var block = t.narrow(dim, b * size, size)) block.uniform_(-a, a, _generator);
        return t;
    }

    /// <summary>
    /// Every weight under its saved name, in the order of the saved model body (version 1): E | Wx0, Wrz0, Wh0, Bh0,
    /// then each GRU cell's weight_ih, weight_hh, bias_ih, bias_hh (G0, G1, ...), then Wy, By.
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> NamedTensors()
    {
        var byName = named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        string[] order = ["E", "Wx0", "Wrz0", "Wh0", "Bh0"];
        var cellOrder = Enumerable.Range(Start, Cells.Length)
            .SelectMany(i => new[] { $"G{i}.weight_ih", $"G{i}.weight_hh", $"G{i}.bias_ih", $"G{i}.bias_hh" });
        var names = order.Concat(cellOrder).Append("Wy").Append("By").Where(byName.ContainsKey).ToList();
        if (names.Count != byName.Count) throw new InvalidOperationException("Gru4RecNetwork has a parameter without a saved name.");
        return names.Select(n => (n, byName[n])).ToList();
    }

    /// <summary>The dense (autograd) parameters: the GRU weights.</summary>
    public IEnumerable<Tensor> DenseParameters() => parameters().Where(p => p.requires_grad);

    /// <summary>Zero hidden states for <paramref name="rows"/> slots, one per layer.</summary>
    public Tensor[] ZeroState(long rows) =>
        Options.LayerSizes.Select(h => zeros(rows, h, device: Device).DetachFromDisposeScope()).ToArray();

    /// <summary>The one-hot input layer (official GRUEmbedding): gate order x, r, z; h' = (1−z)·h + z·tanh((r·h)Wh0 + x).</summary>
    private Tensor EmbeddingGru(Tensor wxRows, Tensor h)
    {
        var vx = wxRows + Bh0!;
        var vrz = h.mm(Wrz0!);
        var xs = vx.chunk(3, 1);
        var hs = vrz.chunk(2, 1);
        var r = (xs[1] + hs[0]).sigmoid();
        var z = (xs[2] + hs[1]).sigmoid();
        var candidate = torch.addmm(xs[0], r * h, Wh0!, 1, 1).tanh();
        return h.lerp(candidate, z);
    }

    /// <summary>
    /// Training forward for one mini-batch: <paramref name="x"/> inputs (B), <paramref name="y"/> output columns
    /// (C = B targets + samples), <paramref name="xy"/> = cat(x, y). Gathers the needed item rows as leaves (added to
    /// <paramref name="gathered"/>), runs the GRU with dropout, writes the new (dropped-out) hidden states into
    /// <paramref name="next"/> and returns the B × C scores; <paramref name="scoreOffset"/> (C) is subtracted from every row.
    /// </summary>
    public Tensor TrainForward(Tensor x, Tensor y, Tensor xy, Tensor[] state, Tensor[] next, Tensor? scoreOffset, List<GatheredRows> gathered, Generator? generator)
    {
        long b = x.shape[0];
        Tensor input, output;
        if (Options.ConstrainedEmbedding)
        {
            var rows = Wy.index_select(0, xy).requires_grad_(true);
            gathered.Add(new(Wy, xy, rows));
            input = rows.narrow(0, 0, b);
            output = rows.narrow(0, b, y.shape[0]);
        }
        else
        {
            output = Wy.index_select(0, y).requires_grad_(true);
            gathered.Add(new(Wy, y, output));
            var inRows = (E ?? Wx0!).index_select(0, x).requires_grad_(true);
            gathered.Add(new(E ?? Wx0!, x, inRows));
            input = E is not null ? inRows : EmbeddingGru(inRows, state[0]);
        }
        var bias = By.index_select(0, y).requires_grad_(true);
        gathered.Add(new(By, y, bias));
        if (Options.DropoutProbabilityEmbedding > 0) input = Dropout(input, Options.DropoutProbabilityEmbedding, generator);
        if (Start == 1) next[0] = input;
        for (int i = Start; i < state.Length; i++)
        {
            var h = Cells[i - Start].forward(input, state[i]);
            if (Options.DropoutProbabilityHidden > 0) h = Dropout(h, Options.DropoutProbabilityHidden, generator);
            next[i] = h;
            input = h;
        }
        return torch.addmm(scoreOffset is null ? bias : bias - scoreOffset, input, output.t(), 1, 1);
    }

    /// <summary>
    /// Inverted dropout with a mask drawn on <paramref name="x"/>'s device: by the trainer's own CPU generator on the CPU
    /// (seeded runs do not touch torch's global one), by the device's default generator elsewhere (null).
    /// </summary>
    internal static Tensor Dropout(Tensor x, double p, Generator? generator)
    {
        if (generator is not null && x.device_type != DeviceType.CPU)
            throw new InvalidOperationException($"GRU4Rec dropout on {x.device}: TorchSharp's generators draw on the CPU only; pass no generator to use the device's own.");
        Tensor mask;
        using (no_grad()) mask = empty_like(x).bernoulli_(1 - p, generator).div_(1 - p);
        return x * mask;
    }

    /// <summary>Evaluation step (no dropout; call under no_grad): updates <paramref name="state"/> in place for inputs
    /// <paramref name="x"/> and returns the last layer's output (B × H).</summary>
    public Tensor EvalStep(Tensor x, Tensor[] state)
    {
        Tensor input = Options.ConstrainedEmbedding ? Wy.index_select(0, x)
            : E is not null ? E.index_select(0, x)
            : EmbeddingGru(Wx0!.index_select(0, x), state[0]);
        if (Start == 1) state[0].copy_(input);
        for (int i = Start; i < state.Length; i++)
        {
            var h = Cells[i - Start].forward(input, state[i]);
            state[i].copy_(h);
            input = h;
        }
        return input;
    }

    /// <summary>Scores of all items for hidden outputs <paramref name="h"/> (B × H): h·Wyᵀ + By.</summary>
    public Tensor ScoreAll(Tensor h) => torch.addmm(By, h, Wy.t(), 1, 1);

    /// <summary>Moves every weight to <paramref name="device"/>.</summary>
    public void MoveTo(Device device)
    {
        this.to(device);
        Device = device;
    }
}
