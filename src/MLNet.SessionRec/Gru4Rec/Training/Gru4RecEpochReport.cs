using System.Globalization;

namespace MLNet.SessionRec.Gru4Rec;

/// <summary>Validation metrics at one cut-off.</summary>
/// <param name="Cutoff">K.</param>
/// <param name="Recall">Recall@K (hit rate).</param>
/// <param name="Mrr">MRR@K.</param>
public sealed record Gru4RecValidationMetric(int Cutoff, double Recall, double Mrr)
{
    /// <summary>"Recall@K r MRR@K m".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Recall@{Cutoff} {Recall:F4} MRR@{Cutoff} {Mrr:F4}");
}

/// <summary>The result of one training epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean per-step loss (each step's loss divided by batch_size, as the official code prints it).</param>
/// <param name="Seconds">Wall time of the epoch's training steps (validation excluded).</param>
/// <param name="EventsPerSecond">Training events (predicted targets) per second.</param>
/// <param name="Validation">Validation metrics per cut-off, or null without a validation set.</param>
public sealed record Gru4RecEpochReport(int Epoch, double Loss, double Seconds, double EventsPerSecond, IReadOnlyList<Gru4RecValidationMetric>? Validation)
{
    /// <summary>The log line of the epoch: loss, time, speed and validation metrics.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Epoch {Epoch}: loss {Loss:F6} ({Seconds:F2} s, {EventsPerSecond:F0} events/s)")
        + (Validation is null ? "" : " " + string.Join(" ", Validation));
}

/// <summary>Progress within a training epoch.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Fraction">Fraction of the epoch's training events done, in [0, 1].</param>
public readonly record struct Gru4RecEpochProgress(int Epoch, double Fraction);
