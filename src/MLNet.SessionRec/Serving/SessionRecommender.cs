using Microsoft.ML;

namespace MLNet.SessionRec;

/// <summary>One recommended item: its id (as text, the form the model was trained with) and its score.</summary>
/// <param name="ItemId">The item id.</param>
/// <param name="Score">The model's score; higher is better.</param>
public readonly record struct RecommendedItem(string ItemId, float Score);

/// <summary>
/// Streaming recommendations for serving. Thread-safe: one instance serves any number of concurrent requests.
/// Item ids are the ids as text (for a key column: its original values). Each live session is a
/// <see cref="RecommendationSession"/> that carries the model's state (GRU4Rec's hidden state) and two counters,
/// nothing catalog-sized: a new event costs one step of the state, not a pass over the whole session, and the
/// catalog is scored only when a list is asked for (top-k on the model's device). A session's state can leave the
/// process (<see cref="RecommendationSession.ExportState"/>, <see cref="RestoreSession"/>). The model itself is
/// read-only and shared.
/// </summary>
public sealed class SessionRecommender : IDisposable
{
    private readonly Lazy<float[]> _coldStart;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, RecommendedItem[]> _coldStartLists = new();
    private readonly Lazy<byte[]> _identity;
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
        _identity = new(() => MLNet.SessionRec.ModelIdentity.Of(model), LazyThreadSafetyMode.ExecutionAndPublication);
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

    /// <summary>
    /// The model's identity as carried by exported session states: the SHA-256 of its saved form (hex). Computed once,
    /// on first use (for a large model this streams its weights once).
    /// </summary>
    public string ModelIdentity => Convert.ToHexString(_identity.Value);

    internal byte[] IdentityBytes => _identity.Value;

    /// <summary>
    /// Restores a session exported by <see cref="RecommendationSession.ExportState"/> (in this or another process) from
    /// the same model: it continues exactly where the exported one stood.
    /// </summary>
    /// <exception cref="ArgumentException">The state belongs to a different model.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a session state (or a newer format).</exception>
    public RecommendationSession RestoreSession(ReadOnlySpan<byte> state)
    {
        ThrowIfModelDisposed();
        var session = new RecommendationSession(this);
        try
        {
            session.Import(state);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
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

    /// <summary>List length asked for, checked and capped at the catalog size.</summary>
    internal int ListLength(int? topK)
    {
        int k = topK ?? TopK;
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(topK), k, "TopK must be at least 1.");
        return Math.Min(k, Math.Max(1, Model.Items.Count));
    }

    /// <summary>The cold-start list of length <paramref name="topK"/> (computed once per length).</summary>
    internal IReadOnlyList<RecommendedItem> ColdStartList(int? topK)
    {
        int k = ListLength(topK);
        return _coldStartLists.GetOrAdd(k, k =>
        {
            var scores = ColdStartScores;
            k = Math.Min(k, scores.Length);
            var items = new int[k];
            var values = new float[k];
            int n = TopKSelection.Select(scores, null, k, items, values);
            return ToList(items, values, n);
        });
    }

    internal RecommendedItem[] ToList(ReadOnlySpan<int> items, ReadOnlySpan<float> values, int count)
    {
        var list = new RecommendedItem[count];
        for (int i = 0; i < count; i++) list[i] = new RecommendedItem(Model.Items.GetId(items[i]), values[i]);
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
    private static ReadOnlySpan<byte> Magic => "SRSTATE1"u8;
    private const int StateVersion = 1;
    private readonly SessionRecommender _owner;
    private readonly ISessionScorer _scorer;
    private readonly object _lock = new();
    private bool _disposed;

    internal RecommendationSession(SessionRecommender owner)
    {
        _owner = owner;
        _scorer = owner.Model.CreateScorer(1);
    }

    /// <summary>Known items observed so far.</summary>
    public int Length { get; private set; }

    /// <summary>Items ignored because the model does not know them.</summary>
    public int IgnoredItems { get; private set; }

    /// <summary>Observes the next event (moves the state; nothing is scored); returns false (and ignores it) when the model does not know the item.</summary>
    public bool Add(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_owner.Model.Items.TryGetIndex(itemId.Trim(), out int index)) { IgnoredItems++; return false; }
            _owner.ThrowIfModelDisposed();
            ReadOnlySpan<int> step = [index];
            _scorer.Advance(step);
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
            _owner.ThrowIfModelDisposed();
            if (Length == 0) return _owner.ColdStartList(topK);
            int k = _owner.ListLength(topK);
            var items = new int[k];
            var scores = new float[k];
            Span<int> count = stackalloc int[1];
            ReadOnlySpan<int> slot = [0];
            _scorer.TopK(slot, k, null, items, scores, count);
            return _owner.ToList(items, scores, count[0]);
        }
    }

    /// <summary>
    /// The session's state as bytes (versioned; carries the model's identity, <see cref="Length"/>,
    /// <see cref="IgnoredItems"/> and the model's state of the session, e.g. GRU4Rec's hidden state): store it anywhere
    /// and continue the session with <see cref="SessionRecommender.RestoreSession"/> of the same model.
    /// </summary>
    public byte[] ExportState()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _owner.ThrowIfModelDisposed();
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(StateVersion);
                writer.Write(_owner.IdentityBytes);
                writer.Write(Length);
                writer.Write(IgnoredItems);
                _scorer.WriteState(0, writer);
            }
            return stream.ToArray();
        }
    }

    /// <summary>Replaces this (new) session's state with an exported one; see <see cref="SessionRecommender.RestoreSession"/>.</summary>
    internal void Import(ReadOnlySpan<byte> state)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (state.Length < Magic.Length + 4 + 32 + 8 || !state[..Magic.Length].SequenceEqual(Magic))
                throw new InvalidDataException("The bytes are not an MLNet.SessionRec session state.");
            using var reader = new BinaryReader(new MemoryStream(state[Magic.Length..].ToArray(), writable: false));
            int version = reader.ReadInt32();
            if (version != StateVersion)
                throw new InvalidDataException($"The session state has format version {version}; this library reads {StateVersion}.");
            var identity = reader.ReadBytes(32);
            if (!identity.AsSpan().SequenceEqual(_owner.IdentityBytes))
                throw new ArgumentException($"The session state belongs to a different model (model identity {Convert.ToHexString(identity)[..16]}…; " +
                    $"this recommender's model is {_owner.ModelIdentity[..16]}…): a session can only be restored into the model that exported it.", nameof(state));
            int length = reader.ReadInt32(), ignored = reader.ReadInt32();
            if (length < 0 || ignored < 0) throw new InvalidDataException($"The session state has invalid counters ({length}, {ignored}).");
            try { _scorer.ReadState(0, reader); }
            catch (EndOfStreamException e) { throw new InvalidDataException("The session state is truncated.", e); }
            if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("The session state has trailing bytes.");
            Length = length;
            IgnoredItems = ignored;
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
