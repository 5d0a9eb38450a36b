using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.EvaluationApp.Parameters;

/// <summary>
/// The GRU4Rec parameters as the app resolves them: the official RSC15 settings, then a <c>--params</c> file, then
/// single options (the official names in kebab case). Names, kinds, ranges and help come from the library's one
/// description of each parameter (<see cref="Gru4RecParameters.All"/>).
/// </summary>
internal sealed class Gru4RecArguments
{
    /// <summary>The app's defaults: the official paramfiles/rsc15_xe_shared_100_best.py.</summary>
    public const string Rsc15Preset = "loss=cross-entropy,constrained_embedding=True,embedding=0,elu_param=0,layers=100,n_epochs=10," +
        "batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.0,logq=1.0";

    private static readonly Gru4RecTrainer.Options Preset = Gru4RecTrainer.Options.Parse(Rsc15Preset);

    private readonly Gru4RecTrainer.Options _options = Preset.Clone();

    /// <summary>The app's default of <paramref name="parameter"/> in the official text form.</summary>
    public static string DefaultText(Gru4RecParameter parameter) => parameter.GetText(Preset);

    /// <summary>The command-line option of <paramref name="parameter"/>: its official name in kebab case.</summary>
    public static string OptionName(Gru4RecParameter parameter) => "--" + parameter.OfficialName.Replace('_', '-');

    /// <summary>Sets a parameter from text (official, kebab-case or .NET name); <paramref name="source"/> names where it came from for errors.</summary>
    public void Set(string name, string value, string source)
    {
        var parameter = Gru4RecParameters.Find(name)
            ?? throw new UsageException($"{source}: unknown GRU4Rec parameter '{name}' (known: {string.Join(", ", Gru4RecParameters.All.Select(p => p.OfficialName))}).");
        if (parameter.OfficialName == "embedding" && value.Trim() == "layersize") { _options.SetParameter(name, "layersize"); return; }
        object typed;
        try { typed = parameter.ParseValue(value); }
        catch (FormatException e) { throw new UsageException($"{source}: {parameter.OfficialName}: {e.Message}"); }
        if (parameter.GetProblem(typed) is { } problem) throw new UsageException($"{source}: {problem}");
        parameter.SetText(_options, value);
    }

    /// <summary>The value of <paramref name="name"/> in the official text form.</summary>
    public string this[string name] => Find(name).GetText(_options);

    /// <summary>The resolved options (a copy).</summary>
    public Gru4RecTrainer.Options ToOptions() => _options.Clone();

    /// <summary>All parameters by official name with typed values, for reports.</summary>
    public IReadOnlyDictionary<string, object> ToTyped() =>
        Gru4RecParameters.All.ToDictionary(p => p.OfficialName, p => p.Type == Gru4RecParameterType.Loss ? p.GetText(_options) : p.GetValue(_options));

    /// <summary>The parameters as one official string: <c>loss=cross-entropy,layers=100/100,...</c>.</summary>
    public override string ToString() => _options.ToString();

    private static Gru4RecParameter Find(string name) =>
        Gru4RecParameters.Find(name) ?? throw new ArgumentException($"Unknown GRU4Rec parameter '{name}'.", nameof(name));
}
