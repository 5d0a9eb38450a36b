using System.Diagnostics;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.EvaluationApp.Adapters.Stubs;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Trains a model by its <c>--models</c> name; the single place that knows the library's trainers.</summary>
internal static class ModelFactory
{
    /// <summary>Trains <paramref name="name"/> on the request's training set.</summary>
    public static TrainedModel Train(string name, TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation)
    {
        if (name == ModelNames.Gru4Rec) return Gru4RecAdapter.Train(request, progress, cancellation);
        progress.BeginModel(name, 0);
        var watch = Stopwatch.StartNew();
        ISessionModel model = name switch
        {
            "pop" => new StubPop(request.Train.Items),
            _ => throw new UsageException($"model '{name}' is not available in this build yet."),
        };
        double seconds = watch.Elapsed.TotalSeconds;
        return new TrainedModel(name, model, seconds, request.Train.EventCount / Math.Max(seconds, 1e-9),
            new Dictionary<string, object>(), []);
    }
}
