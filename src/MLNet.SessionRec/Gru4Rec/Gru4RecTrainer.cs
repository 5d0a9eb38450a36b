using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>
/// Estimator of GRU4Rec with top-k gains (Hidasi &amp; Karatzoglou 2018) on TorchSharp. Device: CUDA when the
/// <c>MLContext</c> sets <c>GpuDeviceId</c> and CUDA is available, else CPU if <c>FallbackToCpu</c>, else an error.
/// Seed: the <c>MLContext</c>'s (same seed, same model on CPU). Progress and per-epoch validation metrics go to
/// <c>mlContext.Log</c>; <c>CancelExecution()</c> stops training between steps. Create it with
/// <c>mlContext.SessionRecommendation().Trainers.Gru4Rec(...)</c>.
/// </summary>
public sealed partial class Gru4RecTrainer : SessionTrainerBase<Gru4RecTrainer.Options>
{
    internal Gru4RecTrainer(IHostEnvironment env, Options options) : base(env, options, nameof(Gru4RecTrainer))
    {
        CheckOptions(); // fail at construction, not after reading the data (Fit checks again)
    }

    private protected override void CheckTrainerOptions() => TrainerOptions.Validate();

    /// <summary>
    /// Trains on sessions already read (e.g. with <see cref="SessionFileReader"/>), without an ML.NET pipeline;
    /// <paramref name="validation"/> (read with <c>vocabulary: train.Items</c>) is evaluated after every epoch.
    /// The caller owns (disposes) the returned model.
    /// </summary>
    public Gru4RecModel Train(SessionDataset train, SessionDataset? validation = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckOptions();
        MLNetInternals.CheckAlive(Host);
        using var ch = Host.Start("Training");
        return (Gru4RecModel)Train(train, validation, ch);
    }

    private protected override ISessionModel Train(SessionDataset train, SessionDataset? validation, IChannel ch)
    {
        var host = new Gru4RecTrainingLoop.Host(
            Device: TorchDevice.Resolve(Env, ch),
            Seed: MLNetInternals.Seed(Env),
            Log: message => ch.Info(MessageSensitivity.None, message),
            Warn: message => ch.Warning(MessageSensitivity.None, message),
            CheckAlive: () => MLNetInternals.CheckAlive(Host));
        ch.Info(MessageSensitivity.None, $"GRU4Rec: {TrainerOptions} on {host.Device}.");
        // Before anything is allocated: a run that cannot fit is one clear error, not an abort gigabytes later.
        var memory = Gru4RecMemoryEstimate.For(TrainerOptions, train.Items.Count, validation is not null);
        ch.Info(MessageSensitivity.None, $"GRU4Rec: {memory}.");
        memory.Check(TrainerOptions, host.Device, Gru4RecMemoryEstimate.AvailableHostBytes());
        return Gru4RecTrainingLoop.Run(train, validation, TrainerOptions, host);
    }
}
