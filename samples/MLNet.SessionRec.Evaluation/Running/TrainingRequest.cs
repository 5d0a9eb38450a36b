using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Parameters;

namespace MLNet.SessionRec.EvaluationApp.Running;

/// <summary>Everything a model needs to train, whichever model it is.</summary>
internal sealed record TrainingRequest(
    SessionDataset Train,
    SessionDataset? Validation,
    string ValidationLabel,
    int[] Cutoffs,
    Gru4RecArguments Gru4Rec,
    int Seed,
    string Device,
    TieMode Ties,
    string? CheckpointDirectory = null,
    bool Resume = false);

/// <summary>What a model reports while it trains.</summary>
internal interface ITrainingProgress
{
    /// <summary>A model starts training; <paramref name="epochs"/> is 0 for models without epochs.</summary>
    void BeginModel(string model, int epochs);

    /// <summary>Part of the current epoch is done (0..1).</summary>
    void EpochFraction(string model, int epoch, double fraction);

    /// <summary>An epoch has ended.</summary>
    void EpochEnded(string model, EpochRecord epoch);

    /// <summary>A line of information (warnings from the trainer, etc.).</summary>
    void Note(string message);

    /// <summary>Training is over, evaluation starts.</summary>
    void BeginEvaluation(string model);

    /// <summary>The model is trained and evaluated.</summary>
    void EndModel(ModelResult result);
}
