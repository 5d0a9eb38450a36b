using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Baselines;

namespace MLNet.SessionRec.Serving;

/// <summary>
/// The model as the requests see it: the library's <see cref="SessionRecommenderPool"/> (registered with
/// <c>AddSessionRecommenderPool().FromFile(name, path, watchForChanges: true)</c>) gives the current recommender; a
/// request takes it once and finishes on it even if the file is replaced meanwhile. Ready once the first model loaded;
/// when the model file is absent it is first trained (SR on the bundled rsc15-100k) and saved there.
/// </summary>
public sealed class ModelHost(SessionRecommenderPool pool, IOptions<ServingOptions> options, MLContext mlContext, ILogger<ModelHost> log)
    : BackgroundService
{
    private static readonly ConditionalWeakTable<SessionRecommender, string[]> SortedCatalogs = new();
    private readonly ServingOptions _options = options.Value;
    private volatile bool _ready;
    private string? _failure;

    public bool Ready => _ready;

    public string? Failure => _failure;

    /// <summary>The current recommender (the model reloaded when its file changed).</summary>
    public SessionRecommender Current => pool.GetRecommender(_options.ModelName);

    /// <summary>The model's short version: the first 12 hex digits of its identity (SHA-256 of the saved model).</summary>
    public static string Version(SessionRecommender recommender) => recommender.ModelIdentity[..12].ToLowerInvariant();

    /// <summary>The catalog's ids in ordinal order (once per model).</summary>
    public static string[] SortedCatalog(SessionRecommender recommender) => SortedCatalogs.GetValue(recommender, r =>
    {
        var ids = r.Model.Items.Ids.ToArray();
        Array.Sort(ids, StringComparer.Ordinal);
        return ids;
    });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Run(() =>
            {
                if (!File.Exists(_options.ModelPath)) TrainDefaultModel(mlContext, _options.TrainPath, _options.ModelPath, log);
                var recommender = Current;
                _ = recommender.ModelIdentity;          // computed once, here rather than in the first request
                _ = SortedCatalog(recommender);
                log.LogInformation("Model '{Name}' loaded from {Path}: {Items} items, version {Version}.",
                    _options.ModelName, _options.ModelPath, recommender.Model.Items.Count, Version(recommender));
            }, stoppingToken);
            _ready = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = e.Message;
            log.LogError(e, "The model could not be loaded.");
        }
    }

    /// <summary>Trains SR (sequential rules) on a SessionId/ItemId/Time file and saves it at <paramref name="modelPath"/> atomically (<c>AtomicFile</c>: temporary file in the same folder, flushed, renamed).</summary>
    public static void TrainDefaultModel(MLContext mlContext, string trainPath, string modelPath, ILogger? log = null)
    {
        if (!File.Exists(trainPath)) throw new FileNotFoundException($"No model at {modelPath} and no training data at {trainPath}.", trainPath);
        log?.LogInformation("No model at {Path}: training SR on {Train}.", modelPath, trainPath);
        var events = mlContext.Data.CreateTextLoader(
        [
            new TextLoader.Column("SessionId", DataKind.String, 0),
            new TextLoader.Column("ItemId", DataKind.String, 1),
            new TextLoader.Column("Time", DataKind.Double, 2),
        ], separatorChar: '\t', hasHeader: true).Load(trainPath);
        using var model = mlContext.SessionRecommendation().Trainers.SequentialRules().Fit(events);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(modelPath))!);
        // Atomic: the file watcher never sees a partial model, and a crash leaves no half-written file behind.
        MLNet.SessionRec.Data.AtomicFile.Write(modelPath, stream => mlContext.Model.Save(model, events.Schema, stream));
    }
}
