using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec;

/// <summary>
/// A trained session recommender as an ML.NET transformer. Its input column holds the items seen so far in a
/// session (a vector of item ids of text, integer or key type; a scalar is a one-item session); it adds
/// <see cref="PredictedItemsColumnName"/> (the top-<see cref="TopK"/> items, best first, in the input's item type;
/// keys keep their key values so <c>MapKeyToValue</c> restores the ids) and <see cref="ScoreColumnName"/> (their
/// scores). Items unknown to the model are ignored and counted in <see cref="IgnoredUnknownItems"/>.
/// An empty session (no known items) gets the model's cold-start answer: the scores of its zero state where the
/// model defines one (GRU4Rec), else the most popular training items with their support as score.
/// <see cref="Transform"/> scores many rows per batch; <c>PredictionEngine</c> scores one row at a time;
/// <see cref="CreateRecommender"/> gives the streaming API. Saved and loaded with <c>mlContext.Model.Save/Load</c>;
/// <c>mlContext.Model.ConvertToOnnx</c> throws <see cref="NotSupportedException"/> (no ONNX form).
/// </summary>
public sealed class SessionRecommendationTransformer : ITransformer, IDisposable
{
    private readonly IHost _host;
    private readonly Lazy<IChannel> _log;
    private long _ignored;
    // References to the model's native memory: this transformer's own one plus one per row mapper handed out
    // (a PredictionEngine's); Dispose gives one back; the model is released when none is left.
    private int _references = 1;
    // Calls that use the model (a batch of Transform, a prediction, a streaming call) enter it; the last reference's
    // release closes it, waits for those calls to finish, and only then frees the model's native memory.
    private readonly UsageGuard _guard;

    internal SessionRecommendationTransformer(IHostEnvironment env, ISessionModel model, string inputColumnName,
        string predictedItemsColumnName = DefaultColumns.PredictedItems, string scoreColumnName = DefaultColumns.Score, int topK = DefaultColumns.TopK,
        string sessionColumnName = DefaultColumns.SessionId, string timeColumnName = DefaultColumns.Time,
        SessionTimeFormat timeFormat = SessionTimeFormat.UnixSeconds, string? dateTimeFormat = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(predictedItemsColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(timeColumnName);
        if (predictedItemsColumnName == scoreColumnName) throw new ArgumentException($"The predicted-items and score columns must differ (both '{scoreColumnName}').");
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        if (model.Items.Count == 0) throw new ArgumentException($"Model '{model.Name}' has no items.", nameof(model));
        _host = env.Register(nameof(SessionRecommendationTransformer));
        _guard = new UsageGuard(DisposedMessage);
        // One channel for the transformer's life: opening one per batch logs its start and end lines every time.
        _log = new Lazy<IChannel>(() => _host.Start(nameof(SessionRecommendationTransformer)), LazyThreadSafetyMode.ExecutionAndPublication);
        Model = model;
        InputColumnName = inputColumnName;
        PredictedItemsColumnName = predictedItemsColumnName;
        ScoreColumnName = scoreColumnName;
        TopK = topK;
        SessionColumnName = sessionColumnName;
        TimeColumnName = timeColumnName;
        TimeFormat = timeFormat;
        DateTimeFormat = dateTimeFormat;
    }

    /// <summary>The trained model (GRU4Rec or a baseline).</summary>
    public ISessionModel Model { get; }

    /// <summary>Column with the session's items so far.</summary>
    public string InputColumnName { get; }

    /// <summary>Output column of the recommended items, best first.</summary>
    public string PredictedItemsColumnName { get; }

    /// <summary>Output column of the recommended items' scores.</summary>
    public string ScoreColumnName { get; }

    /// <summary>Length of the recommendation lists.</summary>
    public int TopK { get; }

    /// <summary>
    /// The session id column of the events the model was trained on; <c>Evaluate</c> reads test events with it.
    /// Models saved before these names were stored report <c>SessionId</c>.
    /// </summary>
    public string SessionColumnName { get; }

    /// <summary>The event time column of the training events (models saved before it was stored: <c>Time</c>).</summary>
    public string TimeColumnName { get; }

    /// <summary>How the time column of the training events was read (models saved before it was stored: Unix seconds).</summary>
    public SessionTimeFormat TimeFormat { get; }

    /// <summary>The exact date/time format of a text time column, or null (ISO 8601 or not text).</summary>
    public string? DateTimeFormat { get; }

    /// <summary>Input items that the model does not know, ignored so far by this transformer (all threads).</summary>
    public long IgnoredUnknownItems => Interlocked.Read(ref _ignored);

    /// <summary>Always true: the transformer maps rows one to one.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the predicted-items and score columns.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>Adds the recommendations to every row of <paramref name="input"/>, scoring rows in batches.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        // Wrapped so that ML.NET's ONNX export throws NotSupportedException instead of writing an empty graph.
        return OnnxRefusal.Wrap(input, new RecommendationDataView(input, Bind(input.Schema)));
    }

    /// <summary>A row-to-row mapper for <paramref name="inputSchema"/> (used by prediction engines).</summary>
    /// <remarks>
    /// A prediction engine disposes the transformer it was created from, so the usual per-request
    /// <c>using var engine = mlContext.Model.CreatePredictionEngine(model)</c> must leave the model working: every
    /// mapper takes a reference to the model's native memory, and the engine's <see cref="Dispose"/> gives it back.
    /// </remarks>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        var binding = Bind(inputSchema);
        AddReference();
        return new RecommendationRowMapper(binding);
    }

    /// <summary>
    /// A thread-safe streaming recommender over this transformer's model (item ids as text). It shares the model:
    /// it stops working when this transformer is disposed.
    /// </summary>
    public SessionRecommender CreateRecommender()
    {
        ThrowIfDisposed();
        return new(Model, TopK, this, ownsSource: false);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ThrowIfDisposed();
        using var use = EnterUse();
        SessionRecommendationModelFormat.Save(ctx, this);
    }

    /// <summary>
    /// Gives back one reference to the model's native resources (GRU4Rec's weights) and releases them when none is
    /// left: the transformer holds one, and every prediction engine created from it holds one until the engine is
    /// disposed (ML.NET's <c>PredictionEngine</c> disposes the transformer it was created from), so disposing
    /// per-request engines never kills the shared model. After the release the transformer, its data views and its
    /// streaming recommenders refuse use with <see cref="ObjectDisposedException"/>. Safe while other threads use the
    /// model: the release waits for the calls in flight (a batch of <c>Transform</c>, a prediction, a streaming call)
    /// to finish. Models without native resources (the baselines) ignore Dispose.
    /// </summary>
    public void Dispose()
    {
        if (Model is not IDisposable disposable) return;
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0) return;
            if (Interlocked.CompareExchange(ref _references, current - 1, current) != current) continue;
            if (current == 1 && _guard.TryClose()) disposable.Dispose();
            return;
        }
    }

    /// <summary>
    /// Enters one use of the model (dispose the lease when it ends): the model's release waits for it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The model was released.</exception>
    internal UsageGuard.Lease EnterUse()
    {
        ThrowIfDisposed();
        return _guard.Enter();
    }

    /// <summary>Takes one more reference to the model (refused once it is released).</summary>
    private void AddReference()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0) ThrowIfDisposed();
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return;
        }
    }

    /// <summary>Whether the model's native resources were released.</summary>
    internal bool IsDisposed => Volatile.Read(ref _references) <= 0;

    /// <summary>Refuses use after <see cref="Dispose"/> with a clear error (instead of a TorchSharp handle error).</summary>
    internal void ThrowIfDisposed()
    {
        if (IsDisposed) throw new ObjectDisposedException(nameof(SessionRecommendationTransformer), DisposedMessage());
    }

    private string DisposedMessage() =>
        $"The session recommendation transformer of model '{Model.Name}' has been disposed (its model's native memory is released).";

    private RecommendationBinding Bind(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new RecommendationBinding(this, inputSchema);
    }

    /// <summary>Counts and logs unknown items: one line per cursor or prediction, on one channel opened once.</summary>
    internal void ReportUnknownItems(long count)
    {
        Interlocked.Add(ref _ignored, count);
        _log.Value.Info(MessageSensitivity.None, $"Ignored {count} items unknown to model '{Model.Name}'.");
    }

    internal void CheckAlive() => MLNetInternals.CheckAlive(_host);
}
