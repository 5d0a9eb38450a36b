using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Maps the app's GRU4Rec parameters and progress onto the library's trainer.</summary>
internal static class Gru4RecAdapter
{
    /// <summary>Trains GRU4Rec with the resolved official parameters.</summary>
    public static TrainedModel Train(TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation) =>
        throw new UsageException("gru4rec is not available in this build yet.");
}
