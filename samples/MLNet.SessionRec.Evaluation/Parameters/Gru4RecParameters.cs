using System.Globalization;

namespace MLNet.SessionRec.EvaluationApp.Parameters;

/// <summary>
/// The official GRU4Rec parameters by their official (snake_case) names, as the app resolves them:
/// the official RSC15 settings, then a <c>--params</c> file, then single options (kebab case).
/// </summary>
internal sealed class Gru4RecParameters
{
    /// <summary>One official parameter: its name, kind of value and the app's default (official RSC15 file).</summary>
    public sealed record Definition(string Name, ParameterKind Kind, string Default, string Help)
    {
        /// <summary>The command-line spelling: the official name in kebab case.</summary>
        public string OptionName => "--" + Name.Replace('_', '-');
    }

    /// <summary>Value kinds of the official parameters.</summary>
    public enum ParameterKind { Text, Integer, Real, Boolean, IntegerList }

    /// <summary>Every official parameter, in the official order; defaults are paramfiles/rsc15_xe_shared_100_best.py.</summary>
    public static IReadOnlyList<Definition> Definitions { get; } =
    [
        new("loss", ParameterKind.Text, "cross-entropy", "cross-entropy, bpr-max, top1-max, top1 or bpr"),
        new("constrained_embedding", ParameterKind.Boolean, "true", "tie the input embedding to the output item matrix"),
        new("embedding", ParameterKind.Integer, "0", "separate input embedding size (0: none; ignored when constrained)"),
        new("elu_param", ParameterKind.Real, "0", "ELU on scores before bpr-max (0: off)"),
        new("layers", ParameterKind.IntegerList, "100", "GRU layer sizes, e.g. 100 or 200,200"),
        new("n_epochs", ParameterKind.Integer, "10", "training epochs"),
        new("batch_size", ParameterKind.Integer, "32", "session-parallel mini-batch size"),
        new("dropout_p_embed", ParameterKind.Real, "0.0", "dropout on the input embedding"),
        new("dropout_p_hidden", ParameterKind.Real, "0.4", "dropout on the GRU output (carried as the next state)"),
        new("learning_rate", ParameterKind.Real, "0.2", "Adagrad learning rate"),
        new("momentum", ParameterKind.Real, "0.2", "classical momentum on top of Adagrad"),
        new("n_sample", ParameterKind.Integer, "2048", "extra negatives per step, shared by the mini-batch"),
        new("sample_alpha", ParameterKind.Real, "0.5", "negatives drawn with P(i) ~ support_i^alpha"),
        new("bpreg", ParameterKind.Real, "0.0", "score regularisation of bpr-max"),
        new("logq", ParameterKind.Real, "1.0", "logQ correction of cross-entropy (0: off)"),
    ];

    private static readonly Dictionary<string, Definition> ByName =
        Definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private readonly Dictionary<string, string> _values =
        Definitions.ToDictionary(d => d.Name, d => Normalize(d, d.Default, "default"), StringComparer.Ordinal);

    /// <summary>Sets a parameter from text; <paramref name="source"/> names where it came from for errors.</summary>
    public void Set(string name, string value, string source)
    {
        string key = name.Trim().Replace('-', '_');
        if (!ByName.TryGetValue(key, out var definition))
            throw new UsageException($"{source}: unknown GRU4Rec parameter '{name}' (known: {string.Join(", ", ByName.Keys)}).");
        _values[key] = Normalize(definition, value.Trim(), source);
    }

    /// <summary>The resolved value of <paramref name="name"/> in canonical text (lists comma separated, booleans true/false).</summary>
    public string this[string name] => _values[name];

    /// <summary>Integer parameter.</summary>
    public int GetInt(string name) => int.Parse(_values[name], CultureInfo.InvariantCulture);

    /// <summary>Real parameter.</summary>
    public double GetReal(string name) => double.Parse(_values[name], CultureInfo.InvariantCulture);

    /// <summary>Boolean parameter.</summary>
    public bool GetBool(string name) => _values[name] == "true";

    /// <summary>Integer list parameter.</summary>
    public int[] GetIntList(string name) =>
        _values[name].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>All parameters with typed values, for reports.</summary>
    public IReadOnlyDictionary<string, object> ToTyped() => Definitions.ToDictionary(d => d.Name, d => d.Kind switch
    {
        ParameterKind.Integer => (object)GetInt(d.Name),
        ParameterKind.Real => GetReal(d.Name),
        ParameterKind.Boolean => GetBool(d.Name),
        ParameterKind.IntegerList => GetIntList(d.Name),
        _ => _values[d.Name],
    });

    /// <summary>The parameters as one official-style string: <c>loss=cross-entropy,layers=100/100,...</c>.</summary>
    public override string ToString() =>
        string.Join(",", Definitions.Select(d => $"{d.Name}={_values[d.Name].Replace(',', '/')}"));

    private static string Normalize(Definition d, string value, string source)
    {
        string Fail(string expected) =>
            throw new UsageException($"{source}: {d.Name} must be {expected}, got '{value}'.");
        switch (d.Kind)
        {
            case ParameterKind.Integer:
                return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) && i >= 0
                    ? i.ToString(CultureInfo.InvariantCulture) : Fail("a non-negative integer");
            case ParameterKind.Real:
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && double.IsFinite(r)
                    ? r.ToString("R", CultureInfo.InvariantCulture) : Fail("a number");
            case ParameterKind.Boolean:
                return value.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" => "true",
                    "false" or "0" or "no" => "false",
                    _ => Fail("true or false"),
                };
            case ParameterKind.IntegerList:
                // Accepts 100, 200,200, 200/200 (official parameter strings) and [200, 200] (official param files).
                var parts = value.Trim('[', ']', '(', ')').Split([',', '/'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 0) Fail("a list of positive integers");
                foreach (var p in parts)
                    if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int size) || size <= 0) Fail("a list of positive integers");
                return string.Join(",", parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)));
            default:
                if (d.Name == "loss" && value is not ("cross-entropy" or "bpr-max" or "top1-max" or "top1" or "bpr"))
                    Fail("one of cross-entropy, bpr-max, top1-max, top1, bpr");
                return value;
        }
    }
}
