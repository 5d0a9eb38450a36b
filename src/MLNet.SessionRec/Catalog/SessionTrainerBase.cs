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
        Env = env;
        Host = env.Register(name);
        TrainerOptions = options;
    }

    /// <summary>
    /// Checks every option (the common ones here, the trainer's own in <see cref="CheckTrainerOptions"/>) without
    /// touching data: at construction and again at the start of every <c>Fit</c> (the options object is mutable).
    /// </summary>
    /// <exception cref="ArgumentException">An invalid option (<see cref="ArgumentOutOfRangeException"/> for values out of range).</exception>
    private protected void CheckOptions()
    {
        var o = TrainerOptions;
        ArgumentException.ThrowIfNullOrWhiteSpace(o.SessionColumnName, nameof(o.SessionColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(o.ItemColumnName, nameof(o.ItemColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(o.TimeColumnName, nameof(o.TimeColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(o.PredictedItemsColumnName, nameof(o.PredictedItemsColumnName));
        ArgumentException.ThrowIfNullOrWhiteSpace(o.ScoreColumnName, nameof(o.ScoreColumnName));
        if (o.PredictedItemsColumnName == o.ScoreColumnName)
            throw new ArgumentException($"The predicted-items and score columns must differ (both '{o.ScoreColumnName}').", nameof(o.ScoreColumnName));
        if (o.TopK < 1) throw new ArgumentOutOfRangeException(nameof(o.TopK), o.TopK, "TopK must be at least 1.");
        if (!Enum.IsDefined(o.TimeFormat)) throw new ArgumentOutOfRangeException(nameof(o.TimeFormat), o.TimeFormat, "Unknown time format.");
        if (o.DateTimeFormat != null && o.TimeFormat != SessionTimeFormat.DateTime)
            throw new ArgumentException($"DateTimeFormat '{o.DateTimeFormat}' needs TimeFormat = DateTime (is {o.TimeFormat}).", nameof(o.DateTimeFormat));
        CheckTrainerOptions();
    }

    /// <summary>Checks the trainer's own options (no data).</summary>
    private protected abstract void CheckTrainerOptions();

    private protected IHostEnvironment Env { get; }

    private protected IHost Host { get; }

    /// <summary>The trainer's options.</summary>
    public TOptions TrainerOptions { get; }

    /// <summary>
    /// Trains on the events of <paramref name="input"/>, with the options' <see cref="SessionTrainerOptions.ValidationSet"/>
    /// when set (inside a pipeline this is the only way to pass validation data).
    /// </summary>
    public SessionRecommendationTransformer Fit(IDataView input) => Fit(input, TrainerOptions.ValidationSet);

    /// <summary>
    /// Trains on the events of <paramref name="input"/>; <paramref name="validation"/> events (same columns), when
    /// given, are evaluated after every epoch by trainers that train in epochs (GRU4Rec). All options and both
    /// schemas are checked before any row is read; <c>mlContext.CancelExecution()</c> stops reading and training
    /// with an <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has an unusable type (ML.NET's "Schema mismatch").</exception>
    public SessionRecommendationTransformer Fit(IDataView input, IDataView? validation)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckOptions();
        CheckTrainingSchema(input.Schema, nameof(input));
        if (validation != null) CheckTrainingSchema(validation.Schema, nameof(validation));
        var options = ReaderOptions();
        void CheckAlive() => MLNetInternals.CheckAlive(Host);
        using var ch = Host.Start("Training");
        var train = SessionDataViewReader.Read(input, options, null, CheckAlive);
        ch.Info(MessageSensitivity.None, $"Training events: {train.EventCount}, sessions: {train.SessionCount}, items: {train.Items.Count}.");
        SessionDataset? valid = null;
        if (validation != null)
        {
            valid = SessionDataViewReader.Read(validation, options, train.Items, CheckAlive);
            ch.Info(MessageSensitivity.None, $"Validation events: {valid.EventCount}, sessions: {valid.SessionCount} ({valid.DroppedUnknownItemEvents} events of unknown items dropped).");
        }
        CheckAlive();
        var model = Train(train, valid, ch);
        try
        {
            CheckAlive();
            return new SessionRecommendationTransformer(Env, model, TrainerOptions.ItemColumnName,
                TrainerOptions.PredictedItemsColumnName, TrainerOptions.ScoreColumnName, TrainerOptions.TopK,
                TrainerOptions.SessionColumnName, TrainerOptions.TimeColumnName, TrainerOptions.TimeFormat, TrainerOptions.DateTimeFormat);
        }
        catch
        {
            (model as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>The session, item and time columns exist and have usable types (ML.NET's exceptions and messages).</summary>
    private void CheckTrainingSchema(DataViewSchema schema, string parameter)
    {
        var o = TrainerOptions;
        foreach (var (role, name) in new[] { ("session", o.SessionColumnName), ("item", o.ItemColumnName) })
        {
            var column = schema.GetColumnOrNull(name) ?? throw SchemaErrors.Missing(parameter, role, name);
            if (!SchemaErrors.IsIdType(column.Type)) throw SchemaErrors.Mismatch(parameter, role, name, "text, an integer or a key type", $"{column.Type}");
        }
        var time = schema.GetColumnOrNull(o.TimeColumnName) ?? throw SchemaErrors.Missing(parameter, "time", o.TimeColumnName);
        if (!SchemaErrors.IsTimeType(time.Type))
            throw SchemaErrors.Mismatch(parameter, "time", o.TimeColumnName, "a number, text, DateTime or DateTimeOffset", $"{time.Type}");
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
        if (matches.Count == 0) throw SchemaErrors.Missing(nameof(inputSchema), "item", name);
        var item = matches[0];
        string? error = ItemColumnCodec.CheckType(item.ItemType);
        if (error != null) throw SchemaErrors.Mismatch(nameof(inputSchema), "item", name, "text, an integer or a key type", $"{item.ItemType} ({error})");
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
        TimeFormat = TrainerOptions.TimeFormat,
        DateTimeFormat = TrainerOptions.DateTimeFormat,
    };
}
