using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.EvaluationApp.Running;
using MLNet.SessionRec.Gru4Rec;
using TorchSharp;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Maps the app's GRU4Rec parameters and progress onto the library's trainer.</summary>
internal static class Gru4RecAdapter
{
    /// <summary>Trains GRU4Rec with the resolved official parameters.</summary>
    public static TrainedModel Train(TrainingRequest request, ITrainingProgress progress, CancellationToken cancellation)
    {
        var options = request.Gru4Rec.ToOptions();
        // Warnings (meaningless combinations, a loss that blows up) come from the trainer through the MLContext's log.
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException($"GRU4Rec parameters: {UserErrors.WithoutParameterName(e)}"); }
        const string name = ModelNames.Gru4Rec;
        int cutoff = request.Cutoffs.Contains(20) ? 20 : request.Cutoffs.Max();
        var epochs = new List<EpochRecord>();
        options.ValidationCutoffs = [cutoff];
        options.CheckpointDirectory = request.CheckpointDirectory;
        options.Resume = request.Resume;
        options.OnProgress = p => progress.EpochFraction(name, p.Epoch, p.Fraction);
        options.OnEpoch = report =>
        {
            var metric = report.Validation?.FirstOrDefault(m => m.Cutoff == cutoff);
            var record = new EpochRecord(report.Epoch, report.Loss, report.Seconds, report.EventsPerSecond, metric?.Recall, metric?.Mrr);
            epochs.Add(record);
            progress.EpochEnded(name, record);
        };
        // The seed and the device travel through the MLContext, as in any ML.NET pipeline.
        var ml = new MLContext(request.Seed) { GpuDeviceId = UseCuda(request.Device) ? 0 : null, FallbackToCpu = false };
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) progress.Note(e.RawMessage); };
        var catalog = ml.SessionRecommendation();
        using var cancel = cancellation.Register(catalog.CancelExecution);
        progress.BeginModel(name, options.NumberOfEpochs);
        var watch = Stopwatch.StartNew();
        Gru4RecModel model;
        try { model = catalog.Trainers.Gru4Rec(options).Train(request.Train, request.Validation); }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { throw new OperationCanceledException(cancellation); }
        double wall = watch.Elapsed.TotalSeconds;
        // Training time without the per-epoch validation passes; throughput over all epochs.
        double seconds = epochs.Count > 0 ? epochs.Sum(e => e.Seconds) : wall;
        double eventsPerSecond = epochs.Count > 0 ? epochs.Sum(e => e.EventsPerSecond * e.Seconds) / Math.Max(seconds, 1e-9) : 0;
        return new TrainedModel(name, model, seconds, eventsPerSecond, request.Gru4Rec.ToTyped(), epochs);
    }

    private static bool UseCuda(string device)
    {
        if (device != "cuda") return false;
        if (!torch.cuda.is_available())
            throw new UsageException(LibTorch.Loaded is { } loaded
                ? $"--device cuda: CUDA is not available here ({loaded}; a CUDA libtorch and an NVIDIA GPU with its driver are needed, see docs/gpu.md)."
                : "--device cuda: CUDA is not available here (this build uses the CPU libtorch: build with -p:TorchBackend=none and give --libtorch the torch/lib folder of a CUDA PyTorch 2.10 install, or build with -p:TorchBackend=cuda, on a machine with an NVIDIA GPU; see docs/gpu.md).");
        return true;
    }
}
