using System.Globalization;
using System.Reflection;
using System.Text;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>The kind of value a GRU4Rec parameter takes.</summary>
public enum Gru4RecParameterType
{
    /// <summary>A loss name: cross-entropy, bpr-max, top1-max, top1 or bpr.</summary>
    Loss,
    /// <summary>An integer.</summary>
    Integer,
    /// <summary>A real number.</summary>
    Real,
    /// <summary>True or False.</summary>
    Boolean,
    /// <summary>A list of positive integers (layer sizes), written 100/100 in parameter strings.</summary>
    IntegerList,
}

/// <summary>The values a numeric GRU4Rec parameter accepts.</summary>
public enum Gru4RecParameterRange
{
    /// <summary>Any value of its type.</summary>
    Any,
    /// <summary>Greater than zero (for lists: every element).</summary>
    Positive,
    /// <summary>Zero or greater.</summary>
    NonNegative,
    /// <summary>In [0, 1).</summary>
    UnitInterval,
}

/// <summary>
/// One official GRU4Rec parameter, described once: official name, .NET property of
/// <see cref="Gru4RecTrainer.Options"/>, type, default, range and meaning. Parsing of the official
/// <c>name=value</c> form, formatting, validation messages, the sample app's options and help, and the parameter
/// table of docs/gru4rec.md are all derived from these descriptions (<see cref="Gru4RecParameters.All"/>).
/// </summary>
public sealed class Gru4RecParameter
{
    private readonly PropertyInfo _property;

    internal Gru4RecParameter(string officialName, string name, Gru4RecParameterType type, object defaultValue,
        Gru4RecParameterRange range, string help)
    {
        OfficialName = officialName;
        Name = name;
        Type = type;
        DefaultValue = defaultValue;
        Range = range;
        Help = help;
        _property = typeof(Gru4RecTrainer.Options).GetProperty(name)
            ?? throw new InvalidOperationException($"Gru4RecTrainer.Options has no property {name}.");
    }

    /// <summary>The name in the official code and parameter strings, e.g. <c>n_epochs</c>.</summary>
    public string OfficialName { get; }

    /// <summary>The .NET property of <see cref="Gru4RecTrainer.Options"/>, e.g. <c>NumberOfEpochs</c>.</summary>
    public string Name { get; }

    /// <summary>The kind of value.</summary>
    public Gru4RecParameterType Type { get; }

    /// <summary>The official default (as the constructor of <c>gru4rec_pytorch.py</c>), typed.</summary>
    public object DefaultValue { get; }

    /// <summary>The accepted values.</summary>
    public Gru4RecParameterRange Range { get; }

    /// <summary>What the parameter does, in one line.</summary>
    public string Help { get; }

    /// <summary>The default in the official text form (e.g. <c>100</c>, <c>True</c>, <c>cross-entropy</c>).</summary>
    public string DefaultText => Format(DefaultValue);

    /// <summary>The range in words ("positive", "zero or positive", "in [0, 1)"), empty for <see cref="Gru4RecParameterRange.Any"/>.</summary>
    public string RangeText => Range switch
    {
        Gru4RecParameterRange.Positive => Type == Gru4RecParameterType.IntegerList ? "positive sizes" : "positive",
        Gru4RecParameterRange.NonNegative => "zero or positive",
        Gru4RecParameterRange.UnitInterval => "in [0, 1)",
        _ => "",
    };

    /// <summary>The value of this parameter in <paramref name="options"/>.</summary>
    public object GetValue(Gru4RecTrainer.Options options) => _property.GetValue(options)!;

    /// <summary>The value of this parameter in <paramref name="options"/> in the official text form.</summary>
    public string GetText(Gru4RecTrainer.Options options) => Format(GetValue(options));

    /// <summary>Sets this parameter of <paramref name="options"/> from text (official form; lists also as 100,100 or [100, 100]).</summary>
    /// <exception cref="FormatException">The text is not a value of this parameter's type.</exception>
    public void SetText(Gru4RecTrainer.Options options, string text) => _property.SetValue(options, ParseValue(text));

    internal void Reset(Gru4RecTrainer.Options options) =>
        _property.SetValue(options, DefaultValue is int[] list ? list.Clone() : DefaultValue);

    /// <summary>The typed value of <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">The text is not a value of this parameter's type.</exception>
    public object ParseValue(string text)
    {
        var inv = CultureInfo.InvariantCulture;
        string value = text.Trim();
        switch (Type)
        {
            case Gru4RecParameterType.Loss:
                return Gru4RecParameters.ParseLoss(value);
            case Gru4RecParameterType.Integer:
                if (!int.TryParse(value, NumberStyles.Integer, inv, out int i)) throw new FormatException($"'{value}' is not an integer.");
                return i;
            case Gru4RecParameterType.Real:
                if (!double.TryParse(value, NumberStyles.Float, inv, out double r)) throw new FormatException($"'{value}' is not a number.");
                return r;
            case Gru4RecParameterType.Boolean:
                return value.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" => true,
                    "false" or "0" or "no" => false,
                    _ => throw new FormatException($"'{value}' is not a boolean (True/False/1/0)."),
                };
            default:
                // 100, 100/100 (official strings), 100,100 and [100, 100] (official parameter files).
                return value.Trim('[', ']', '(', ')').Split(['/', ',', ';', ' '], StringSplitOptions.RemoveEmptyEntries)
                    .Select(s => int.TryParse(s, NumberStyles.Integer, inv, out int size) ? size : throw new FormatException($"'{s}' is not an integer."))
                    .ToArray();
        }
    }

    /// <summary>Formats a value of this parameter in the official text form.</summary>
    public string Format(object value)
    {
        var inv = CultureInfo.InvariantCulture;
        return value switch
        {
            Gru4RecLoss loss => Gru4RecParameters.LossName(loss),
            int i => i.ToString(inv),
            double d => d.ToString("R", inv),
            bool b => b ? "True" : "False",
            int[] list => string.Join('/', list.Select(l => l.ToString(inv))),
            _ => throw new ArgumentException($"Not a value of {OfficialName}: {value}.", nameof(value)),
        };
    }

    /// <summary>Null when <paramref name="value"/> (typed) is in range, else the error message naming the parameter.</summary>
    public string? GetProblem(object value)
    {
        string Problem(object got) => $"{OfficialName} must be {RangeText} (got {Format(got)}).";
        switch (value)
        {
            case int[] list:
                if (list.Length == 0) return $"{OfficialName}: at least one GRU layer is needed.";
                foreach (int size in list)
                    if (size <= 0) return $"{OfficialName}: every layer size must be positive (got {size}).";
                return null;
            case int i:
                return InRange(i) ? null : Problem(i);
            case double d:
                if (double.IsFinite(d) && Math.Abs(d) > float.MaxValue)
                    return $"{OfficialName} must be at most {float.MaxValue.ToString("R", CultureInfo.InvariantCulture)}: training computes in float32 (got {Format(d)}).";
                return double.IsFinite(d) && InRange(d) ? null : Problem(d);
            default:
                return null;
        }
    }

    private bool InRange(double v) => Range switch
    {
        Gru4RecParameterRange.Positive => v > 0,
        Gru4RecParameterRange.NonNegative => v >= 0,
        Gru4RecParameterRange.UnitInterval => v >= 0 && v < 1,
        _ => true,
    };
}

/// <summary>
/// Every official GRU4Rec parameter (<see cref="All"/>, in the order of the official parameter string) and the
/// official <c>name=value,name=value</c> form: defaults are those of the constructor of the official
/// <c>gru4rec_pytorch.py</c> (<c>GRU4Rec(layers=[100], loss='cross-entropy', batch_size=64, ...)</c>).
/// </summary>
public static class Gru4RecParameters
{
    /// <summary>The parameters in the order of the official parameter string (and of saved models).</summary>
    public static IReadOnlyList<Gru4RecParameter> All { get; } =
    [
        new("loss", nameof(Gru4RecTrainer.Options.Loss), Gru4RecParameterType.Loss, Gru4RecLoss.CrossEntropy, Gru4RecParameterRange.Any,
            "training loss: cross-entropy, bpr-max, top1-max, top1 or bpr"),
        new("layers", nameof(Gru4RecTrainer.Options.LayerSizes), Gru4RecParameterType.IntegerList, new[] { 100 }, Gru4RecParameterRange.Positive,
            "sizes of the stacked GRU layers"),
        new("batch_size", nameof(Gru4RecTrainer.Options.BatchSize), Gru4RecParameterType.Integer, 64, Gru4RecParameterRange.Positive,
            "parallel session slots of a mini-batch"),
        new("dropout_p_embed", nameof(Gru4RecTrainer.Options.DropoutProbabilityEmbedding), Gru4RecParameterType.Real, 0.0, Gru4RecParameterRange.UnitInterval,
            "dropout probability of the input embedding (training only)"),
        new("dropout_p_hidden", nameof(Gru4RecTrainer.Options.DropoutProbabilityHidden), Gru4RecParameterType.Real, 0.0, Gru4RecParameterRange.UnitInterval,
            "dropout probability of each GRU layer's output, which is also the carried hidden state (training only)"),
        new("learning_rate", nameof(Gru4RecTrainer.Options.LearningRate), Gru4RecParameterType.Real, 0.05, Gru4RecParameterRange.Positive,
            "Adagrad learning rate"),
        new("momentum", nameof(Gru4RecTrainer.Options.Momentum), Gru4RecParameterType.Real, 0.0, Gru4RecParameterRange.UnitInterval,
            "classical momentum on top of Adagrad (0: none)"),
        new("sample_alpha", nameof(Gru4RecTrainer.Options.SampleAlpha), Gru4RecParameterType.Real, 0.5, Gru4RecParameterRange.NonNegative,
            "negatives are drawn with P(i) ~ support_i^alpha (0: uniform, 1: popularity)"),
        new("n_sample", nameof(Gru4RecTrainer.Options.NumberOfSamples), Gru4RecParameterType.Integer, 2048, Gru4RecParameterRange.NonNegative,
            "extra negatives drawn per mini-batch and shared by its rows (0: in-batch negatives only)"),
        new("embedding", nameof(Gru4RecTrainer.Options.EmbeddingSize), Gru4RecParameterType.Integer, 0, Gru4RecParameterRange.NonNegative,
            "size of a separate input embedding (0: one-hot input; only without constrained_embedding; 'layersize' in strings: the first layer's size)"),
        new("constrained_embedding", nameof(Gru4RecTrainer.Options.ConstrainedEmbedding), Gru4RecParameterType.Boolean, true, Gru4RecParameterRange.Any,
            "the output item matrix is also the input embedding (tied weights)"),
        new("n_epochs", nameof(Gru4RecTrainer.Options.NumberOfEpochs), Gru4RecParameterType.Integer, 10, Gru4RecParameterRange.Positive,
            "passes over the training sessions"),
        new("bpreg", nameof(Gru4RecTrainer.Options.BprMaxRegularization), Gru4RecParameterType.Real, 1.0, Gru4RecParameterRange.NonNegative,
            "weight of the score regularisation of bpr-max"),
        new("elu_param", nameof(Gru4RecTrainer.Options.EluAlpha), Gru4RecParameterType.Real, 0.5, Gru4RecParameterRange.NonNegative,
            "alpha of the ELU applied to the scores before bpr-max (0: none)"),
        new("logq", nameof(Gru4RecTrainer.Options.LogQ), Gru4RecParameterType.Real, 0.0, Gru4RecParameterRange.NonNegative,
            "weight of the logQ (sampling-bias) correction of cross-entropy (0: none)"),
    ];

    private static readonly Dictionary<string, Gru4RecParameter> ByName = BuildIndex();

    private static Dictionary<string, Gru4RecParameter> BuildIndex()
    {
        var index = new Dictionary<string, Gru4RecParameter>(StringComparer.Ordinal); // batchsize is a typo, not BatchSize
        foreach (var p in All)
        {
            index[p.OfficialName] = p;
            index[p.OfficialName.Replace('_', '-')] = p;
            index[p.Name] = p;
        }
        return index;
    }

    /// <summary>
    /// The parameter named <paramref name="name"/>: its official name (<c>n_epochs</c>), kebab case (<c>n-epochs</c>)
    /// or .NET name (<c>NumberOfEpochs</c>); null when there is none.
    /// </summary>
    public static Gru4RecParameter? Find(string name) => ByName.GetValueOrDefault(name.Trim());

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
    /// <exception cref="FormatException">Unknown loss.</exception>
    public static Gru4RecLoss ParseLoss(string name)
    {
        foreach (var loss in Enum.GetValues<Gru4RecLoss>())
            if (string.Equals(name, LossName(loss), StringComparison.OrdinalIgnoreCase) || string.Equals(name, loss.ToString(), StringComparison.OrdinalIgnoreCase))
                return loss;
        throw new FormatException($"Unknown GRU4Rec loss '{name}'; expected cross-entropy, bpr-max, top1-max, top1 or bpr.");
    }

    /// <summary>Sets every parameter of <paramref name="options"/> to its official default.</summary>
    internal static void Reset(Gru4RecTrainer.Options options)
    {
        foreach (var p in All) p.Reset(options);
    }

    /// <summary>
    /// Applies the official parameter string (e.g. <c>"loss=bpr-max,layers=100/100,n_epochs=3"</c>) to
    /// <paramref name="options"/>; names may also be kebab case or .NET names. Unknown names and bad values throw
    /// <see cref="FormatException"/> naming the parameter.
    /// </summary>
    internal static void Apply(Gru4RecTrainer.Options options, string parameters)
    {
        if (string.IsNullOrWhiteSpace(parameters)) return;
        bool layerSizeEmbedding = false; // official 'embedding=layersize': as large as the first layer, resolved last
        foreach (string part in parameters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new FormatException($"GRU4Rec parameter '{part}' is not of the form name=value.");
            string name = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            var parameter = Find(name) ?? throw new FormatException($"Unknown GRU4Rec parameter '{name}'.");
            if (parameter.OfficialName == "embedding" && value == "layersize") { layerSizeEmbedding = true; continue; }
            try { parameter.SetText(options, value); }
            catch (FormatException e)
            {
                throw new FormatException($"GRU4Rec parameter '{name}': cannot use the value '{value}' ({e.Message}).", e);
            }
        }
        if (layerSizeEmbedding && options.LayerSizes.Length > 0) options.EmbeddingSize = options.LayerSizes[0];
    }

    /// <summary>The official "name=value,..." form of every parameter of <paramref name="options"/>.</summary>
    internal static string Format(Gru4RecTrainer.Options options)
    {
        var sb = new StringBuilder();
        foreach (var p in All)
        {
            if (sb.Length > 0) sb.Append(',');
            sb.Append(p.OfficialName).Append('=').Append(p.GetText(options));
        }
        return sb.ToString();
    }
}
