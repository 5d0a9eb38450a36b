using Microsoft.ML;

namespace MLNet.SessionRec;

/// <summary>One recommended item: its id (as text, the form the model was trained with) and its score.</summary>
/// <param name="ItemId">The item id.</param>
/// <param name="Score">The model's score; higher is better.</param>
public readonly record struct RecommendedItem(string ItemId, float Score);

/// <summary>
/// Streaming recommendations for serving. Thread-safe: one instance serves any number of concurrent requests.
/// Item ids are the ids as text (for a key column: its original values). Each live session is a
/// <see cref="RecommendationSession"/> that carries the model's state (GRU4Rec's hidden state), so a new event
/// costs one step, not a pass over the whole session. The model itself is read-only and shared.
/// </summary>
public sealed class SessionRecommender : IDisposable
{
    private readonly Lazy<float[]> _coldStart;
    private readonly SessionRecommendationTransformer? _source;
    private readonly bool _ownsSource;

    /// <summary>Creates a recommender over <paramref name="model"/> with lists of <paramref name="topK"/> items.</summary>
    public SessionRecommender(ISessionModel model, int topK = DefaultColumns.TopK) : this(model, topK, null, ownsSource: false) { }

    // source: the transformer whose model this is (its disposal ends this recommender); ownsSource: dispose it with us.
    internal SessionRecommender(ISessionModel model, int topK, SessionRecommendationTransformer? source, bool ownsSource)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        Model = model;
        TopK = topK;
        _source = source;
        _ownsSource = ownsSource;
        _coldStart = new(() => ColdStart.Scores(model), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Loads a model saved with <c>mlContext.Model.Save</c> (its session recommendation transformer) with
    /// <paramref name="mlContext"/>: the model goes to that context's device (<c>GpuDeviceId</c>, <c>FallbackToCpu</c>)
    /// and logs to its <c>Log</c>, as a model loaded with <c>mlContext.Model.Load</c>.
    /// </summary>
    /// <param name="mlContext">The caller's context.</param>
    /// <param name="modelPath">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    public static SessionRecommender Load(MLContext mlContext, string modelPath, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        using var stream = File.OpenRead(modelPath);
        return Load(mlContext, stream, topK);
    }

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> from a stream with <paramref name="mlContext"/>.</summary>
    /// <param name="mlContext">The caller's context.</param>
    /// <param name="model">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    public static SessionRecommender Load(MLContext mlContext, Stream model, int? topK = null)
    {
        var transformer = SessionRecommenderLoading.Load(mlContext, model);
        try
        {
            return new SessionRecommender(transformer.Model, topK ?? transformer.TopK, transformer, ownsSource: true);
        }
        catch
        {
            transformer.Dispose();
            throw;
        }
    }

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> with a new default <see cref="MLContext"/> (CPU).</summary>
    /// <param name="modelPath">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    public static SessionRecommender Load(string modelPath, int? topK = null) => Load(new MLContext(), modelPath, topK);

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> from a stream with a new default <see cref="MLContext"/> (CPU).</summary>
    /// <param name="model">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    public static SessionRecommender Load(Stream model, int? topK = null) => Load(new MLContext(), model, topK);

    /// <summary>The model.</summary>
    public ISessionModel Model { get; }

    /// <summary>Default list length.</summary>
    public int TopK { get; }

    /// <summary>Starts an empty session; dispose it when the session ends.</summary>
    public RecommendationSession StartSession()
    {
        ThrowIfModelDisposed();
        return new(this);
    }

    /// <summary>Recommends for a whole session given at once (stateless; thread-safe).</summary>
    public IReadOnlyList<RecommendedItem> Recommend(IEnumerable<string> sessionItems, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(sessionItems);
        using var session = StartSession();
        foreach (var item in sessionItems) session.Add(item);
        return session.Recommend(topK);
    }

    internal float[] ColdStartScores => _coldStart.Value;

    internal void ThrowIfModelDisposed() => _source?.ThrowIfDisposed();

    internal IReadOnlyList<RecommendedItem> Top(ReadOnlySpan<float> scores, int? topK)
    {
        int k = topK ?? TopK;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(topK), k, "TopK must be at least 1.");
        k = Math.Min(k, scores.Length);
        var items = new int[k];
        var values = new float[k];
        int n = TopKSelection.Select(scores, null, k, items, values);
        var list = new RecommendedItem[n];
        for (int i = 0; i < n; i++) list[i] = new RecommendedItem(Model.Items.GetId(items[i]), values[i]);
        return list;
    }

    /// <summary>Releases the model when this recommender was loaded from a file or stream (only once no request uses it).</summary>
    public void Dispose()
    {
        if (_ownsSource) _source!.Dispose();
    }
}

/// <summary>
/// One live session: add its events one at a time and ask for the current top-k at any point. Methods lock the
/// session, so concurrent calls on the same session are serialized (events keep their order only if the caller
/// adds them in order); different sessions run in parallel.
/// </summary>
public sealed class RecommendationSession : IDisposable
{
    private readonly SessionRecommender _owner;
    private readonly ISessionScorer _scorer;
    private readonly float[] _scores;
    private readonly int[] _step = new int[1];
    private readonly object _lock = new();
    private bool _disposed;

    internal RecommendationSession(SessionRecommender owner)
    {
        _owner = owner;
        _scorer = owner.Model.CreateScorer(1);
        _scores = new float[owner.Model.Items.Count];
    }

    /// <summary>Known items observed so far.</summary>
    public int Length { get; private set; }

    /// <summary>Items ignored because the model does not know them.</summary>
    public int IgnoredItems { get; private set; }

    /// <summary>Observes the next event; returns false (and ignores it) when the model does not know the item.</summary>
    public bool Add(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_owner.Model.Items.TryGetIndex(itemId.Trim(), out int index)) { IgnoredItems++; return false; }
            _owner.ThrowIfModelDisposed();
            _step[0] = index;
            _scorer.Step(_step, _scores);
            Length++;
            return true;
        }
    }

    /// <summary>The current top-k (the recommender's default k unless given); the cold-start answer while empty.</summary>
    public IReadOnlyList<RecommendedItem> Recommend(int? topK = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Length == 0) _owner.ThrowIfModelDisposed(); // the cold-start scores may need the model
            return _owner.Top(Length == 0 ? _owner.ColdStartScores : _scores, topK);
        }
    }

    /// <summary>Forgets all events: the session starts over.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _scorer.ResetSlot(0);
            Length = 0;
            IgnoredItems = 0;
        }
    }

    /// <summary>Releases the session's state.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _scorer.Dispose();
        }
    }
}
