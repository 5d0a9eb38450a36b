using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec;

/// <summary>
/// Common estimator of the session recommenders: reads training events (session, item, time columns) from an
/// <see cref="IDataView"/>, trains a model and returns a <see cref="SessionRecommendationTransformer"/>.
/// </summary>
public abstract class SessionTrainerBase<TOptions> : IEstimator<SessionRecommendationTransformer>
    where TOptions : SessionTrainerOptions
{
    private protected SessionTrainerBase(IHostEnvironment env, TOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.SessionColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ItemColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TimeColumnName);
        if (options.TopK < 1) throw new ArgumentOutOfRangeException(nameof(options), options.TopK, "TopK must be at least 1.");
        Env = env;
        Host = env.Register(name);
        TrainerOptions = options;
    }

    private protected IHostEnvironment Env { get; }

    private protected IHost Host { get; }

    /// <summary>The trainer's options.</summary>
    public TOptions TrainerOptions { get; }

    /// <summary>Trains on the events of <paramref name="input"/>.</summary>
    public SessionRecommendationTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>
    /// Trains on the events of <paramref name="input"/>; <paramref name="validation"/> events (same columns), when
    /// given, are evaluated after every epoch by trainers that train in epochs (GRU4Rec).
    /// </summary>
    public SessionRecommendationTransformer Fit(IDataView input, IDataView? validation)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = ReaderOptions();
        using var ch = Host.Start("Training");
        var train = SessionDataViewReader.Read(input, options);
        ch.Info(MessageSensitivity.None, $"Training events: {train.EventCount}, sessions: {train.SessionCount}, items: {train.Items.Count}.");
        SessionDataset? valid = null;
        if (validation != null)
        {
            valid = SessionDataViewReader.Read(validation, options, train.Items);
            ch.Info(MessageSensitivity.None, $"Validation events: {valid.EventCount}, sessions: {valid.SessionCount} ({valid.DroppedUnknownItemEvents} events of unknown items dropped).");
        }
        var model = Train(train, valid, ch);
        return new SessionRecommendationTransformer(Env, model, TrainerOptions.ItemColumnName,
            TrainerOptions.PredictedItemsColumnName, TrainerOptions.ScoreColumnName, TrainerOptions.TopK);
    }

    /// <summary>Trains the model (with the channel for progress).</summary>
    private protected abstract ISessionModel Train(SessionDataset train, SessionDataset? validation, IChannel ch);

    /// <summary>
    /// The schema after the fitted transformer: the input plus the predicted items (a vector of the item column's
    /// type; keys keep their key values) and their scores (a vector of float).
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        string name = TrainerOptions.ItemColumnName;
        var matches = inputSchema.Where(c => c.Name == name).ToList();
        if (matches.Count == 0)
            throw new ArgumentException($"The input schema has no item column '{name}'.", nameof(inputSchema));
        var item = matches[0];
        string? error = ItemColumnCodec.CheckType(item.ItemType);
        if (error != null) throw new ArgumentException($"Column '{name}': {error}.", nameof(inputSchema));
        var columns = inputSchema.ToDictionary(c => c.Name);
        var keyValues = item.IsKey ? new SchemaShape(item.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.KeyValues)) : null;
        columns[TrainerOptions.PredictedItemsColumnName] = SchemaShapes.VariableVector(TrainerOptions.PredictedItemsColumnName, item.ItemType, item.IsKey, keyValues);
        columns[TrainerOptions.ScoreColumnName] = SchemaShapes.VariableVector(TrainerOptions.ScoreColumnName, NumberDataViewType.Single, false);
        return new SchemaShape(columns.Values);
    }

    private protected SessionFileOptions ReaderOptions() => new()
    {
        SessionColumn = TrainerOptions.SessionColumnName,
        ItemColumn = TrainerOptions.ItemColumnName,
        TimeColumn = TrainerOptions.TimeColumnName,
    };
}
