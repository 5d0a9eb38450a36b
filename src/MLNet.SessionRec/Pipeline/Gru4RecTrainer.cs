using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.Model;
using MLNet.SessionRec.ModelFormat;
using MLNet.SessionRec.Training;

namespace MLNet.SessionRec.Pipeline;

/// <summary>
/// Estimator of GRU4Rec with top-k gains (Hidasi &amp; Karatzoglou 2018) on TorchSharp. Device: CUDA when the
/// <c>MLContext</c> sets <c>GpuDeviceId</c> and CUDA is available, else CPU if <c>FallbackToCpu</c>, else an error.
/// Seed: the <c>MLContext</c>'s (same seed, same model on CPU). Progress and per-epoch validation metrics go to
/// <c>mlContext.Log</c>; <c>mlContext.CancelExecution()</c> stops training between steps.
/// </summary>
public sealed class Gru4RecTrainer : SessionTrainerBase<Gru4RecTrainer.Options>
{
    /// <summary>Columns plus GRU4Rec's parameters (official names and defaults).</summary>
    public sealed class Options : SessionTrainerOptions
    {
        /// <summary>GRU4Rec's hyper-parameters (loss, layers, batch size, dropout, learning rate, ...).</summary>
        public Gru4RecOptions Parameters { get; set; } = new();

        /// <summary>Cut-offs of the per-epoch validation metrics. Default 20.</summary>
        public int[] ValidationCutoffs { get; set; } = [20];

        /// <summary>Optional callback after each epoch (in addition to the log).</summary>
        public Action<Gru4RecEpochReport>? OnEpoch { get; set; }
    }

    internal Gru4RecTrainer(IHostEnvironment env, Options options) : base(env, options, nameof(Gru4RecTrainer))
    {
        ArgumentNullException.ThrowIfNull(options.Parameters);
        options.Parameters.Validate(); // fail at construction, not after reading the data
    }

    private protected override ISessionModel Train(SessionDataset train, SessionDataset? validation, IChannel ch)
    {
        var run = new Gru4RecRunSettings
        {
            Device = TorchDevice.Resolve(Env, ch),
            Seed = MLNetInternals.Seed(Env),
            Validation = validation,
            ValidationCutoffs = TrainerOptions.ValidationCutoffs,
            OnEpoch = TrainerOptions.OnEpoch,
            Log = message => ch.Info(MessageSensitivity.None, message),
            Warn = message => ch.Warning(MessageSensitivity.None, message),
            CheckAlive = () => MLNetInternals.CheckAlive(Host),
        };
        ch.Info(MessageSensitivity.None, $"GRU4Rec: {TrainerOptions.Parameters} on {run.Device}.");
        return Gru4RecModel.Train(train, TrainerOptions.Parameters, run);
    }
}
