
namespace MLNet.SessionRec.EvaluationApp.Running;

/// <summary>The model names accepted by <c>--models</c>, in the order of the default run.</summary>
internal static class ModelNames
{
    /// <summary>GRU4Rec.</summary>
    public const string Gru4Rec = "gru4rec";

    /// <summary>All names: GRU4Rec and the baselines.</summary>
    public static IReadOnlyList<string> All { get; } = [Gru4Rec, .. Baselines.SessionBaselines.Names];

    /// <summary>Parses a comma-separated list; unknown or repeated names are user errors.</summary>
    public static IReadOnlyList<string> Parse(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new UsageException("--models: give at least one model.");
        foreach (var name in names)
            if (!All.Contains(name)) throw new UsageException($"--models: unknown model '{name}' (known: {string.Join(",", All)}).");
        var repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated != null) throw new UsageException($"--models: '{repeated.Key}' is given twice.");
        return names;
    }
}

/// <summary>How ranks of tied scores are counted (see docs/evaluation.md).</summary>
internal enum TieMode { Conservative, Standard, Median }

/// <summary>One GRU4Rec epoch as the app shows, reports and plots it.</summary>
internal sealed record EpochRecord(int Epoch, double Loss, double Seconds, double EventsPerSecond, double? Recall, double? Mrr);

/// <summary>A trained model with what its training cost.</summary>
internal sealed record TrainedModel(
    string Name,
    ISessionModel Model,
    double TrainSeconds,
    double TrainEventsPerSecond,
    IReadOnlyDictionary<string, object> Params,
    IReadOnlyList<EpochRecord> Epochs);

/// <summary>The evaluator's answer for one model.</summary>
internal sealed record EvaluationOutcome(IReadOnlyDictionary<int, CutoffMetrics> ByCutoff, long Predictions, long DroppedUnknown, double Seconds);

/// <summary>One row of the comparison.</summary>
internal sealed record ModelResult(TrainedModel Trained, EvaluationOutcome Evaluation);

/// <summary>What the whole run evaluated on.</summary>
internal sealed record DatasetSummary(string TrainPath, string TestPath, int TrainEvents, int TrainSessions, int Items, int TestEvents);
