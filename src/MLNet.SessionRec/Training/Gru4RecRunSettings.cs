using MLNet.SessionRec.Data;
using TorchSharp;

namespace MLNet.SessionRec.Training;

/// <summary>How a GRU4Rec training runs (device, seed, validation, progress, cancellation); not part of the model.</summary>
public sealed class Gru4RecRunSettings
{
    /// <summary>Training device; null = CPU. The trained model stays on this device.</summary>
    public torch.Device? Device { get; set; }

    /// <summary>Seed of weight initialisation, dropout (torch generator) and negative sampling (System.Random);
    /// the same seed gives the same model on CPU. Null = nondeterministic.</summary>
    public int? Seed { get; set; }

    /// <summary>Optional validation sessions (over the training vocabulary), evaluated after each epoch.</summary>
    public SessionDataset? Validation { get; set; }

    /// <summary>Cut-offs of the per-epoch validation Recall@K / MRR@K. Default {20}.</summary>
    public int[] ValidationCutoffs { get; set; } = [20];

    /// <summary>Called after each epoch.</summary>
    public Action<Gru4RecEpochReport>? OnEpoch { get; set; }

    /// <summary>Informational messages (e.g. per-epoch lines).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Warnings (meaningless parameter combinations).</summary>
    public Action<string>? Warn { get; set; }

    /// <summary>Called between training steps; throw (e.g. <see cref="OperationCanceledException"/>) to cancel.</summary>
    public Action? CheckAlive { get; set; }

    /// <summary>
    /// Intra-op threads while training on the CPU (torch.set_num_threads, restored afterwards). Null = 1: GRU4Rec's
    /// small per-step matrices gain little from more threads and slow down many-fold when cores are shared.
    /// 0 = leave torch's setting alone.
    /// </summary>
    public int? CpuThreads { get; set; }
}

/// <summary>Validation metrics at one cut-off.</summary>
/// <param name="Cutoff">K.</param>
/// <param name="Recall">Recall@K (hit rate).</param>
/// <param name="Mrr">MRR@K.</param>
public sealed record Gru4RecValidationMetric(int Cutoff, double Recall, double Mrr);

/// <summary>Progress of one training epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean per-step loss (each step's loss divided by batch_size, as the official code prints it).</param>
/// <param name="Seconds">Wall time of the epoch's training steps (validation excluded).</param>
/// <param name="EventsPerSecond">Training events (predicted targets) per second.</param>
/// <param name="Validation">Validation metrics per cut-off, or null without a validation set.</param>
public sealed record Gru4RecEpochReport(int Epoch, double Loss, double Seconds, double EventsPerSecond, IReadOnlyList<Gru4RecValidationMetric>? Validation);
