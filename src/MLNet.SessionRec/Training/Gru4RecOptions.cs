using System.Globalization;
using System.Text;

namespace MLNet.SessionRec.Training;

/// <summary>GRU4Rec training losses (the official names are "cross-entropy", "bpr-max", "top1-max", "top1", "bpr").</summary>
public enum Gru4RecLoss
{
    /// <summary>"cross-entropy": softmax over the mini-batch's columns, −log p(target), logQ-corrected.</summary>
    CrossEntropy,
    /// <summary>"bpr-max": BPR against a softmax-weighted (smooth) maximum of the negatives, plus score regularisation.</summary>
    BprMax,
    /// <summary>"top1-max": TOP1 against a softmax-weighted maximum of the negatives (Theano GRU4Rec).</summary>
    Top1Max,
    /// <summary>"top1": the original TOP1 ranking loss averaged over the negatives (Theano GRU4Rec).</summary>
    Top1,
    /// <summary>"bpr": Bayesian personalised ranking summed over the negatives (Theano GRU4Rec).</summary>
    Bpr,
}

/// <summary>
/// Hyper-parameters of GRU4Rec, named and defaulted exactly as the constructor of the official
/// <c>gru4rec_pytorch.py</c> (<c>GRU4Rec(layers=[100], loss='cross-entropy', batch_size=64, ...)</c>).
/// <see cref="Parse"/> reads the official "name=value,name=value" form (layers as "100/100").
/// </summary>
public sealed class Gru4RecOptions
{
    /// <summary>Official <c>loss</c>: the training loss. Default cross-entropy.</summary>
    public Gru4RecLoss Loss { get; set; } = Gru4RecLoss.CrossEntropy;

    /// <summary>Official <c>layers</c>: sizes of the stacked GRU layers. Default [100].</summary>
    public int[] Layers { get; set; } = [100];

    /// <summary>Official <c>batch_size</c>: number of parallel session slots in a mini-batch. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Official <c>dropout_p_embed</c>: dropout probability of the input embedding (training only). Default 0.0.</summary>
    public double DropoutPEmbed { get; set; }

    /// <summary>Official <c>dropout_p_hidden</c>: dropout probability applied to each GRU layer's output, which is
    /// also the carried hidden state (training only). Default 0.0.</summary>
    public double DropoutPHidden { get; set; }

    /// <summary>Official <c>learning_rate</c>: Adagrad learning rate. Default 0.05.</summary>
    public double LearningRate { get; set; } = 0.05;

    /// <summary>Official <c>momentum</c>: classical momentum on top of Adagrad (0 = none). Default 0.0.</summary>
    public double Momentum { get; set; }

    /// <summary>Official <c>sample_alpha</c>: negatives are drawn with P(i) ∝ support_i^alpha (0 = uniform, 1 = popularity). Default 0.5.</summary>
    public double SampleAlpha { get; set; } = 0.5;

    /// <summary>Official <c>n_sample</c>: extra negatives drawn per mini-batch and shared by all rows (0 = in-batch only). Default 2048.</summary>
    public int NSample { get; set; } = 2048;

    /// <summary>Official <c>embedding</c>: size of a separate input embedding (0 = none: one-hot input unless
    /// <see cref="ConstrainedEmbedding"/>). Only used when <see cref="ConstrainedEmbedding"/> is false. Default 0.</summary>
    public int Embedding { get; set; }

    /// <summary>Official <c>constrained_embedding</c>: the output item matrix Wy is also the input embedding
    /// (tied weights; the input size is the last layer's size). Default true.</summary>
    public bool ConstrainedEmbedding { get; set; } = true;

    /// <summary>Official <c>n_epochs</c>: number of passes over the training sessions. Default 10.</summary>
    public int NEpochs { get; set; } = 10;

    /// <summary>Official <c>bpreg</c>: weight of the score regularisation of bpr-max. Default 1.0.</summary>
    public double Bpreg { get; set; } = 1.0;

    /// <summary>Official <c>elu_param</c>: alpha of the ELU applied to the scores before bpr-max (0 = none). Default 0.5.</summary>
    public double EluParam { get; set; } = 0.5;

    /// <summary>Official <c>logq</c>: weight of the logQ (sampling-bias) correction of cross-entropy (0 = none). Default 0.0.</summary>
    public double Logq { get; set; }

    /// <summary>The official string of a loss ("cross-entropy", "bpr-max", ...).</summary>
    public static string LossName(Gru4RecLoss loss) => loss switch
    {
        Gru4RecLoss.CrossEntropy => "cross-entropy",
        Gru4RecLoss.BprMax => "bpr-max",
        Gru4RecLoss.Top1Max => "top1-max",
        Gru4RecLoss.Top1 => "top1",
        Gru4RecLoss.Bpr => "bpr",
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown GRU4Rec loss."),
    };

    /// <summary>Parses an official loss name ("cross-entropy", "bpr-max", "top1-max", "top1", "bpr"; also the enum names).</summary>
    public static Gru4RecLoss ParseLoss(string name)
    {
        foreach (var loss in Enum.GetValues<Gru4RecLoss>())
            if (string.Equals(name, LossName(loss), StringComparison.OrdinalIgnoreCase) || string.Equals(name, loss.ToString(), StringComparison.OrdinalIgnoreCase))
                return loss;
        throw new ArgumentException($"Unknown GRU4Rec loss '{name}'; expected cross-entropy, bpr-max, top1-max, top1 or bpr.", nameof(name));
    }

    /// <summary>A copy of these options.</summary>
    public Gru4RecOptions Clone()
    {
        var copy = (Gru4RecOptions)MemberwiseClone();
        copy.Layers = (int[])Layers.Clone();
        return copy;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for invalid values and reports meaningless combinations through
    /// <paramref name="warn"/> (e.g. bpreg with cross-entropy).
    /// </summary>
    public void Validate(Action<string>? warn = null)
    {
        if (Layers == null || Layers.Length == 0) throw new ArgumentException("layers: at least one GRU layer is needed.", nameof(Layers));
        foreach (int l in Layers)
            if (l <= 0) throw new ArgumentException($"layers: every layer size must be positive (got {l}).", nameof(Layers));
        if (BatchSize <= 0) throw new ArgumentException($"batch_size must be positive (got {BatchSize}).", nameof(BatchSize));
        if (NSample < 0) throw new ArgumentException($"n_sample must be zero or positive (got {NSample}).", nameof(NSample));
        if (NSample == 0 && BatchSize < 2)
            throw new ArgumentException("n_sample=0 with batch_size=1 leaves no negative item to train against; use n_sample > 0 or batch_size >= 2.", nameof(NSample));
        if (!(DropoutPEmbed >= 0 && DropoutPEmbed < 1)) throw new ArgumentException($"dropout_p_embed must be in [0, 1) (got {DropoutPEmbed}).", nameof(DropoutPEmbed));
        if (!(DropoutPHidden >= 0 && DropoutPHidden < 1)) throw new ArgumentException($"dropout_p_hidden must be in [0, 1) (got {DropoutPHidden}).", nameof(DropoutPHidden));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"learning_rate must be positive (got {LearningRate}).", nameof(LearningRate));
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"momentum must be in [0, 1) (got {Momentum}).", nameof(Momentum));
        if (!(SampleAlpha >= 0) || double.IsInfinity(SampleAlpha)) throw new ArgumentException($"sample_alpha must be zero or positive (got {SampleAlpha}).", nameof(SampleAlpha));
        if (Embedding < 0) throw new ArgumentException($"embedding must be zero or positive (got {Embedding}).", nameof(Embedding));
        if (NEpochs < 0) throw new ArgumentException($"n_epochs must be zero or positive (got {NEpochs}).", nameof(NEpochs));
        if (!(Bpreg >= 0) || double.IsInfinity(Bpreg)) throw new ArgumentException($"bpreg must be zero or positive (got {Bpreg}).", nameof(Bpreg));
        if (!(EluParam >= 0) || double.IsInfinity(EluParam)) throw new ArgumentException($"elu_param must be zero or positive (got {EluParam}).", nameof(EluParam));
        if (!(Logq >= 0) || double.IsInfinity(Logq)) throw new ArgumentException($"logq must be zero or positive (got {Logq}).", nameof(Logq));
        if (warn == null) return;
        if (Loss != Gru4RecLoss.BprMax && Bpreg > 0 && Bpreg != 1.0)
            warn($"bpreg={Bpreg} has no effect with loss={LossName(Loss)} (it only weights the bpr-max regularisation).");
        if (Loss != Gru4RecLoss.CrossEntropy && Logq > 0)
            warn($"logq={Logq} has no effect with loss={LossName(Loss)} (the logQ correction belongs to cross-entropy).");
        if (Loss == Gru4RecLoss.CrossEntropy && EluParam > 0 && EluParam != 0.5)
            warn($"elu_param={EluParam} has no effect with loss=cross-entropy (the ELU is applied before bpr-max only).");
        if (ConstrainedEmbedding && Embedding > 0)
            warn($"embedding={Embedding} is ignored because constrained_embedding=True (the input embedding is Wy).");
        if (NSample == 0 && SampleAlpha != 0.5)
            warn($"sample_alpha={SampleAlpha} has no effect with n_sample=0.");
        if (Logq > 0 && NSample == 0 && Loss == Gru4RecLoss.CrossEntropy)
            warn("logq with n_sample=0 corrects the in-batch (popularity-sampled) negatives only.");
    }

    /// <summary>
    /// Parses the official parameter string, e.g. <c>"loss=cross-entropy,layers=100,batch_size=32,constrained_embedding=True"</c>.
    /// Unset names keep their defaults; unknown names and bad values throw <see cref="FormatException"/>.
    /// </summary>
    public static Gru4RecOptions Parse(string parameters)
    {
        var options = new Gru4RecOptions();
        if (string.IsNullOrWhiteSpace(parameters)) return options;
        bool layerSizeEmbedding = false; // official 'embedding=layersize': as large as the first layer, resolved last
        foreach (string part in parameters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"GRU4Rec parameter '{part}' is not of the form name=value.");
            string name = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            if (name == "embedding" && value == "layersize") { layerSizeEmbedding = true; continue; }
            try { options.Set(name, value); }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new FormatException($"GRU4Rec parameter '{name}': cannot use the value '{value}' ({e.Message}).", e);
            }
        }
        if (layerSizeEmbedding) options.Embedding = options.Layers[0];
        return options;
    }

    private void Set(string name, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (name)
        {
            case "loss": Loss = ParseLoss(value); break;
            case "layers":
                Layers = value.Trim('[', ']').Split(['/', ' ', ';'], StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, inv)).ToArray();
                break;
            case "batch_size": BatchSize = int.Parse(value, inv); break;
            case "dropout_p_embed": DropoutPEmbed = double.Parse(value, inv); break;
            case "dropout_p_hidden": DropoutPHidden = double.Parse(value, inv); break;
            case "learning_rate": LearningRate = double.Parse(value, inv); break;
            case "momentum": Momentum = double.Parse(value, inv); break;
            case "sample_alpha": SampleAlpha = double.Parse(value, inv); break;
            case "n_sample": NSample = int.Parse(value, inv); break;
            case "embedding": Embedding = int.Parse(value, inv); break;
            case "constrained_embedding": ConstrainedEmbedding = ParseBool(value); break;
            case "n_epochs": NEpochs = int.Parse(value, inv); break;
            case "bpreg": Bpreg = double.Parse(value, inv); break;
            case "elu_param": EluParam = double.Parse(value, inv); break;
            case "logq": Logq = double.Parse(value, inv); break;
            default: throw new FormatException($"Unknown GRU4Rec parameter '{name}'.");
        }
    }

    private static bool ParseBool(string value) => value switch
    {
        "True" or "true" or "1" => true,
        "False" or "false" or "0" => false,
        _ => throw new FormatException($"'{value}' is not a boolean (True/False/1/0)."),
    };

    /// <summary>Formats these options in the official "name=value,..." form, readable by <see cref="Parse"/>.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("loss=").Append(LossName(Loss));
        sb.Append(",layers=").Append(string.Join('/', Layers.Select(l => l.ToString(inv))));
        sb.Append(",batch_size=").Append(BatchSize.ToString(inv));
        sb.Append(",dropout_p_embed=").Append(DropoutPEmbed.ToString("R", inv));
        sb.Append(",dropout_p_hidden=").Append(DropoutPHidden.ToString("R", inv));
        sb.Append(",learning_rate=").Append(LearningRate.ToString("R", inv));
        sb.Append(",momentum=").Append(Momentum.ToString("R", inv));
        sb.Append(",sample_alpha=").Append(SampleAlpha.ToString("R", inv));
        sb.Append(",n_sample=").Append(NSample.ToString(inv));
        sb.Append(",embedding=").Append(Embedding.ToString(inv));
        sb.Append(",constrained_embedding=").Append(ConstrainedEmbedding ? "True" : "False");
        sb.Append(",n_epochs=").Append(NEpochs.ToString(inv));
        sb.Append(",bpreg=").Append(Bpreg.ToString("R", inv));
        sb.Append(",elu_param=").Append(EluParam.ToString("R", inv));
        sb.Append(",logq=").Append(Logq.ToString("R", inv));
        return sb.ToString();
    }
}
