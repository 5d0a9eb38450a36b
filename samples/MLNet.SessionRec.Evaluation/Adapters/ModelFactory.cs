using System.Diagnostics;
using Microsoft.ML;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Trains a model by its <c>--models</c> name; the single place that knows the library's trainers.</summary>
internal static class ModelFactory
{
    /// <summary>Trains <paramref name="name"/> on the request's training set.</summary>
    public static TrainedModel Train(string name, TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation)
    {
        if (name == ModelNames.Gru4Rec) return Gru4RecAdapter.Train(request, progress, cancellation);
        if (!SessionBaselines.TryParse(name, out var baseline)) throw new UsageException($"unknown model '{name}'.");
        progress.BeginModel(name, 0);
        // session-rec's example configuration (conf/example_next.yml) where it has one, as the comparison studies ran them.
        var options = new SessionBaselineTrainer.Options
        {
            Baseline = baseline,
            SessionKnn = SessionKnnOptions.SessionRecExample,
            VectorSessionKnn = VectorSessionKnnOptions.SessionRecExample,
        };
        var watch = Stopwatch.StartNew();
        var model = new MLContext(request.Seed).SessionRecommendation().Trainers.Baseline(options).Train(request.Train);
        double seconds = watch.Elapsed.TotalSeconds;
        return new TrainedModel(name, model, seconds, request.Train.EventCount / Math.Max(seconds, 1e-9),
            options.GetParameters().ToDictionary(p => p.Key, p => p.Value), []);
    }
}
