using System.Diagnostics;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.EvaluationApp.Adapters.Stubs;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Evaluates a model with the library's RankingEvaluator and returns the app's view of the metrics.</summary>
internal static class MetricsEvaluator
{
    /// <summary>Next-item evaluation of <paramref name="model"/> on <paramref name="test"/>.</summary>
    public static EvaluationOutcome Evaluate(ISessionModel model, SessionDataset test, int[] cutoffs, TieMode ties)
    {
        var watch = Stopwatch.StartNew();
        var (byCutoff, predictions) = StubEvaluator.Evaluate(model, test, cutoffs, ties);
        return new EvaluationOutcome(byCutoff, predictions, test.DroppedUnknownItemEvents, watch.Elapsed.TotalSeconds);
    }
}
