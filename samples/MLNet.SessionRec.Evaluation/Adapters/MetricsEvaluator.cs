using System.Diagnostics;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Evaluates a model with the library's RankingEvaluator and returns the app's view of the metrics.</summary>
internal static class MetricsEvaluator
{
    /// <summary>Next-item evaluation of <paramref name="model"/> on <paramref name="test"/>.</summary>
    public static EvaluationOutcome Evaluate(ISessionModel model, SessionDataset test, int[] cutoffs, TieMode ties)
    {
        var watch = Stopwatch.StartNew();
        var metrics = RankingEvaluator.Evaluate(model, test, new RankingEvaluatorOptions { Cutoffs = cutoffs, Ties = ToLibrary(ties) });
        var byCutoff = cutoffs.ToDictionary(k => k, metrics.At);
        return new EvaluationOutcome(byCutoff, metrics.Predictions, metrics.DroppedUnknownItemEvents, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The library's tie handling for the app's <c>--ties</c> value.</summary>
    public static TieHandling ToLibrary(TieMode ties) => ties switch
    {
        TieMode.Standard => TieHandling.Standard,
        TieMode.Median => TieHandling.Median,
        _ => TieHandling.Conservative,
    };
}
