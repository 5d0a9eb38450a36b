using System.CommandLine;
using System.Globalization;
using MLNet.SessionRec.EvaluationApp.Parameters;
using MLNet.SessionRec.Gru4Rec;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary>Options that several commands share: GRU4Rec parameters, seed, device, quiet.</summary>
internal sealed class TrainingOptions
{
    public Option<string?> Params { get; } = new("--params") { HelpName = "FILE", Description = "file of GRU4Rec parameters (name=value lines or an official param file); single options override it" };
    public Option<int> Seed { get; } = new("--seed") { HelpName = "N", Description = "random seed", DefaultValueFactory = _ => 42 };
    public Option<string> Device { get; } = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cpu" }.AcceptOnlyFromAmong("cpu", "cuda");
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "no progress or decoration: plain output for scripts" };
    public Option<string?> CheckpointDir { get; } = new("--checkpoint-dir") { HelpName = "DIR", Description = "write a GRU4Rec checkpoint to DIR after every epoch (atomically; see docs/gru4rec.md)" };
    public Option<bool> Resume { get; } = new("--resume") { Description = "continue GRU4Rec from the checkpoint in --checkpoint-dir (same data and parameters; --n-epochs may grow)" };
    public IReadOnlyList<(Gru4RecParameter Parameter, Option<string?> Option)> Gru4Rec { get; } =
        Gru4RecParameters.All.Select(p => (p, new Option<string?>(Gru4RecArguments.OptionName(p)) { HelpName = HelpName(p), Description = Describe(p) })).ToList();

    // Help text from the library's description of the parameter, with the app's (official RSC15) default.
    private static string Describe(Gru4RecParameter p) =>
        $"GRU4Rec: {p.Help}" + (p.RangeText.Length > 0 ? $"; {p.RangeText}" : "") + $" (default {Gru4RecArguments.DefaultText(p)})";

    // The value placeholder in --help: what kind of value the parameter takes.
    private static string HelpName(Gru4RecParameter p) => p.Type switch
    {
        Gru4RecParameterType.Integer => "N",
        Gru4RecParameterType.Real => "X",
        Gru4RecParameterType.Boolean => "true|false",
        Gru4RecParameterType.IntegerList => "SIZES",
        _ => "NAME",
    };

    /// <summary>Adds all these options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Params);
        foreach (var (_, option) in Gru4Rec) command.Options.Add(option);
        command.Options.Add(Seed);
        command.Options.Add(Device);
        command.Options.Add(Quiet);
        command.Options.Add(CheckpointDir);
        command.Options.Add(Resume);
    }

    /// <summary>The GRU4Rec checkpoint folder and whether to resume from it; --resume needs --checkpoint-dir.</summary>
    public (string? Directory, bool Resume) ResolveCheckpoint(ParseResult parsed)
    {
        string? directory = parsed.GetValue(CheckpointDir);
        bool resume = parsed.GetValue(Resume);
        if (resume && directory == null) throw new UsageException("--resume needs --checkpoint-dir DIR (the folder of the checkpoint to continue).");
        if (directory != null)
        {
            // Before any work, as every other output: the folder exists (or is made) and takes a file.
            if (File.Exists(directory)) throw new UsageException($"--checkpoint-dir: {UserText.Escape(directory)} is a file, not a folder.");
            Directory.CreateDirectory(directory);
            MLNet.SessionRec.Data.AtomicFile.CheckWritable(Path.Combine(directory, "gru4rec.checkpoint"));
        }
        return (directory, resume);
    }

    /// <summary>Resolves the GRU4Rec parameters: official RSC15 settings, then --params, then single options.</summary>
    public Gru4RecArguments ResolveGru4Rec(ParseResult parsed)
    {
        var parameters = new Gru4RecArguments();
        string? file = parsed.GetValue(Params);
        if (file != null) ParameterFile.Apply(file, parameters);
        foreach (var (parameter, option) in Gru4Rec)
        {
            string? value = parsed.GetValue(option);
            if (value != null) parameters.Set(parameter.OfficialName, value, option.Name);
        }
        return parameters;
    }
}

/// <summary>Parsing helpers for list-valued options.</summary>
internal static class OptionValues
{
    /// <summary>Parses <c>--cutoffs 1,5,10,20</c>: positive, distinct, kept in the given order.</summary>
    public static int[] Cutoffs(string text)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) || k <= 0)
                throw new UsageException($"--cutoffs: '{part}' is not a positive integer.");
            if (!values.Contains(k)) values.Add(k);
        }
        if (values.Count == 0) throw new UsageException("--cutoffs: give at least one cut-off.");
        return values.ToArray();
    }

    /// <summary>Parses <c>--ties</c>.</summary>
    public static TieMode Ties(string text) => text switch
    {
        "conservative" => TieMode.Conservative,
        "standard" => TieMode.Standard,
        "median" => TieMode.Median,
        _ => throw new UsageException($"--ties: '{text}' is not one of conservative, standard, median."),
    };
}
