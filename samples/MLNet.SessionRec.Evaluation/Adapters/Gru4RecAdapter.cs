using System.Diagnostics;
using MLNet.SessionRec.EvaluationApp.Running;
using MLNet.SessionRec.Model;
using MLNet.SessionRec.Training;
using TorchSharp;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Maps the app's GRU4Rec parameters and progress onto the library's trainer.</summary>
internal static class Gru4RecAdapter
{
    /// <summary>Trains GRU4Rec with the resolved official parameters.</summary>
    public static TrainedModel Train(TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation)
    {
        var options = ToOptions(request.Gru4Rec);
        try { options.Validate(progress.Note); }
        catch (ArgumentException e) { throw new UsageException($"GRU4Rec parameters: {UserErrors.WithoutParameterName(e)}"); }
        var device = ResolveDevice(request.Device);
        const string name = ModelNames.Gru4Rec;
        int cutoff = request.Cutoffs.Contains(20) ? 20 : request.Cutoffs.Max();
        var epochs = new List<EpochRecord>();
        var train = request.Train;
        // Steps per epoch, for the progress bar: one step per predicted event of the fullest batch (an estimate
        // at the tail, where the batch shrinks).
        double stepsPerEpoch = Math.Max(1, Math.Ceiling((train.EventCount - train.SessionCount) / (double)options.BatchSize));
        long steps = 0;
        progress.BeginModel(name, options.NEpochs);
        var watch = Stopwatch.StartNew();
        var model = Gru4RecModel.Train(train, options, new Gru4RecRunSettings
        {
            Device = device,
            Seed = request.Seed,
            Validation = request.Validation,
            ValidationCutoffs = [cutoff],
            Warn = progress.Note,
            CheckAlive = () =>
            {
                cancellation.ThrowIfCancellationRequested();
                if (++steps % 16 == 0) progress.EpochFraction(name, epochs.Count + 1, steps / stepsPerEpoch);
            },
            OnEpoch = report =>
            {
                var metric = report.Validation?.FirstOrDefault(m => m.Cutoff == cutoff);
                var record = new EpochRecord(report.Epoch, report.Loss, report.Seconds, report.EventsPerSecond, metric?.Recall, metric?.Mrr);
                epochs.Add(record);
                steps = 0;
                progress.EpochEnded(name, record);
            },
        });
        double wall = watch.Elapsed.TotalSeconds;
        // Training time without the per-epoch validation passes; throughput over all epochs.
        double seconds = epochs.Count > 0 ? epochs.Sum(e => e.Seconds) : wall;
        double eventsPerSecond = epochs.Count > 0 ? epochs.Sum(e => e.EventsPerSecond * e.Seconds) / Math.Max(seconds, 1e-9) : 0;
        return new TrainedModel(name, model, seconds, eventsPerSecond, request.Gru4Rec.ToTyped(), epochs);
    }

    /// <summary>
    /// The library's options from the app's resolved official parameters, through their official
    /// "name=value,..." form so that the library's parser is the one mapping names to options.
    /// </summary>
    public static Gru4RecOptions ToOptions(Parameters.Gru4RecParameters p) => Gru4RecOptions.Parse(p.ToString());

    private static torch.Device ResolveDevice(string device)
    {
        if (device != "cuda") return torch.CPU;
        if (!torch.cuda.is_available())
            throw new UsageException("--device cuda: CUDA is not available here (this build uses the CPU libtorch; build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU, see docs/gpu.md).");
        return torch.CUDA;
    }
}
