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
public sealed partial class SessionRecommender : IDisposable
{
    private readonly Lazy<float[]> _coldStart;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, RecommendedItem[]> _coldStartLists = new();
    private readonly Lazy<byte[]> _identity;
    private readonly System.Collections.Concurrent.ConcurrentBag<ISessionScorer> _scorers = new();
    private int _pooled;
    // Every call that reaches the model enters it; Dispose closes it and waits for those calls before releasing anything.
    private readonly UsageGuard _guard;
    private readonly SessionRecommendationTransformer? _source;
    private readonly bool _ownsSource;
    private readonly UpstreamItemMapper? _upstream;

    /// <summary>Creates a recommender over <paramref name="model"/> with lists of <paramref name="topK"/> items.</summary>
    public SessionRecommender(ISessionModel model, int topK = DefaultColumns.TopK) : this(model, topK, null, ownsSource: false) { }

    // source: the transformer whose model this is (its disposal ends this recommender); ownsSource: dispose it with us.
    // upstream: the transforms before the transformer in a whole model, applied to every raw item id (null: ids map straight).
    internal SessionRecommender(ISessionModel model, int topK, SessionRecommendationTransformer? source, bool ownsSource, UpstreamItemMapper? upstream = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        Model = model;
        TopK = topK;
        _source = source;
        _ownsSource = ownsSource;
        _upstream = upstream;
        _guard = new UsageGuard(() => $"The session recommender of model '{model.Name}' has been disposed.");
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
    /// <param name="inputItemColumnName">
    /// The model's input column that holds the raw item ids when transforms before the session recommender rename the
    /// item column (e.g. <c>CopyColumns("ItemId", "ProductId")</c>: <c>"ProductId"</c>); default the transformer's item column.
    /// </param>
    /// <remarks>
    /// When the model is a chain, every item id given to <see cref="RecommendationSession.Add"/> goes through the
    /// transforms before the session recommender (as <c>Transform</c> of a row holding it would), fed as the input
    /// column <paramref name="inputItemColumnName"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The model's input has no such raw item column.</exception>
    public static SessionRecommender Load(MLContext mlContext, string modelPath, int? topK = null, string? inputItemColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        using var stream = File.OpenRead(modelPath);
        return Load(mlContext, stream, topK, inputItemColumnName);
    }

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> from a stream with <paramref name="mlContext"/>.</summary>
    /// <param name="mlContext">The caller's context.</param>
    /// <param name="model">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    /// <param name="inputItemColumnName">The model's input column of raw item ids (see the path overload).</param>
    public static SessionRecommender Load(MLContext mlContext, Stream model, int? topK = null, string? inputItemColumnName = null)
    {
        var (transformer, upstream, inputSchema) = SessionRecommenderLoading.LoadChain(mlContext, model);
        try
        {
            return new SessionRecommender(transformer.Model, topK ?? transformer.TopK, transformer, ownsSource: true,
                UpstreamItemMapper.Create(upstream, inputSchema, transformer, inputItemColumnName));
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
    /// <param name="inputItemColumnName">The model's input column of raw item ids (see the overload with a context).</param>
    public static SessionRecommender Load(string modelPath, int? topK = null, string? inputItemColumnName = null) =>
        Load(new MLContext(), modelPath, topK, inputItemColumnName);

    /// <summary>Loads a model saved with <c>mlContext.Model.Save</c> from a stream with a new default <see cref="MLContext"/> (CPU).</summary>
    /// <param name="model">The model zip.</param>
    /// <param name="topK">List length; default the transformer's.</param>
    /// <param name="inputItemColumnName">The model's input column of raw item ids (see the overload with a context).</param>
    public static SessionRecommender Load(Stream model, int? topK = null, string? inputItemColumnName = null) =>
        Load(new MLContext(), model, topK, inputItemColumnName);

    /// <summary>
    /// A recommender over a whole fitted or loaded model (a chain that contains a session recommendation transformer):
    /// every item id given to <see cref="RecommendationSession.Add"/> goes through the transforms before the session
    /// recommender, as <c>Transform</c> of a row holding it would. It shares the model: it stops working when the
    /// model's session recommendation transformer is disposed.
    /// </summary>
    /// <param name="model">The model (a chain, or the session recommendation transformer itself).</param>
    /// <param name="inputSchema">The model's input schema (the training data's schema, or the one <c>Model.Load</c> gives).</param>
    /// <param name="topK">List length; default the transformer's.</param>
    /// <param name="inputItemColumnName">The input column of raw item ids; default the transformer's item column.</param>
    /// <exception cref="ArgumentException">The model has no session recommendation transformer, or its input no such raw item column.</exception>
    public static SessionRecommender Create(ITransformer model, DataViewSchema inputSchema, int? topK = null, string? inputItemColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        var transformer = SessionRecommenderLoading.Find(model);
        transformer.ThrowIfDisposed();
        return new SessionRecommender(transformer.Model, topK ?? transformer.TopK, transformer, ownsSource: false,
            UpstreamItemMapper.Create(SessionRecommenderLoading.Upstream(model, transformer), inputSchema, transformer, inputItemColumnName));
    }

    /// <summary>The model.</summary>
    public ISessionModel Model { get; }

    /// <summary>Default list length.</summary>
    public int TopK { get; }

    /// <summary>Starts an empty session; dispose it when the session ends.</summary>
    public RecommendationSession StartSession()
    {
        using var call = EnterCall();
        return new(this);
    }

    /// <summary>
    /// The model's identity as carried by exported session states: the SHA-256 of its saved form (hex). Computed once,
    /// on first use (for a large model this streams its weights once).
    /// </summary>
    public string ModelIdentity
    {
        get
        {
            using var call = EnterCall();
            return Convert.ToHexString(_identity.Value);
        }
    }

    internal byte[] IdentityBytes => _identity.Value;

    /// <summary>
    /// Restores a session exported by <see cref="RecommendationSession.ExportState"/> (in this or another process) from
    /// the same model: it continues exactly where the exported one stood.
    /// </summary>
    /// <exception cref="ArgumentException">The state belongs to a different model.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a session state (or a newer format).</exception>
    public RecommendationSession RestoreSession(ReadOnlySpan<byte> state)
    {
        using var call = EnterCall();
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

    /// <summary>The transforms before the session recommender, applied to raw item ids (null when there are none).</summary>
    internal UpstreamItemMapper? Upstream => _upstream;

    /// <summary>
    /// Enters one call that uses the model (this recommender's guard, then its transformer's): disposing either waits
    /// for the call to finish; a call after the disposal throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal Call EnterCall()
    {
        var own = _guard.Enter();
        try { return new Call(own, _source?.EnterUse() ?? default); }
        catch
        {
            own.Dispose();
            throw;
        }
    }

    /// <summary>One call in flight (see <see cref="EnterCall"/>).</summary>
    internal readonly struct Call(UsageGuard.Lease own, UsageGuard.Lease source) : IDisposable
    {
        public void Dispose()
        {
            source.Dispose();
            own.Dispose();
        }
    }

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

    /// <summary>A one-slot scorer from the pool (sessions hold only their state bytes; a scorer serves one call at a time).</summary>
    internal ISessionScorer RentScorer()
    {
        if (_scorers.TryTake(out var scorer)) { Interlocked.Decrement(ref _pooled); return scorer; }
        return Model.CreateScorer(1);
    }

    /// <summary>Returns a scorer to the pool (at most a few per core are kept).</summary>
    internal void ReturnScorer(ISessionScorer scorer)
    {
        if (!_guard.IsClosed && Interlocked.Increment(ref _pooled) <= 4 * Environment.ProcessorCount) _scorers.Add(scorer);
        else
        {
            Interlocked.Decrement(ref _pooled);
            scorer.Dispose();
        }
    }

    /// <summary>
    /// Releases the pooled scorers, and the model when this recommender was loaded from a file or stream. Safe while
    /// other threads use it: calls in flight (on any session) finish first, later calls throw
    /// <see cref="ObjectDisposedException"/>. Do not call it from inside such a call.
    /// </summary>
    public void Dispose()
    {
        if (!_guard.TryClose()) return;
        while (_scorers.TryTake(out var scorer)) scorer.Dispose();
        _upstream?.Dispose();
        if (_ownsSource) _source!.Dispose();
    }
}

/// <summary>
/// One live session: add its events one at a time and ask for the current top-k at any point. Methods lock the
/// session, so concurrent calls on the same session are serialized (events keep their order only if the caller
/// adds them in order); different sessions run in parallel.
/// </summary>
public sealed partial class RecommendationSession : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "SRSTATE1"u8;
    private const int StateVersion = 1;
    private readonly SessionRecommender _owner;
    private readonly object _lock = new();
    private byte[]? _state; // the model's state of this session (ISessionScorer.WriteState); null = empty
    private List<int>? _mapped; // the model's items of the last raw id put through the upstream transforms
    private bool _disposed;

    internal RecommendationSession(SessionRecommender owner) => _owner = owner;

    /// <summary>Known items observed so far.</summary>
    public int Length { get; private set; }

    /// <summary>Items ignored because the model does not know them.</summary>
    public int IgnoredItems { get; private set; }

    /// <summary>
    /// Observes the next event (moves the state; nothing is scored); returns false (and ignores it) when the model does
    /// not know the item. For a recommender over a whole model (<see cref="SessionRecommender.Load(MLContext, string, int?, string?)"/>,
    /// <see cref="SessionRecommender.Create"/>) the raw id first goes through the transforms before the session recommender.
    /// </summary>
    public bool Add(string itemId)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var call = _owner.EnterCall();
            if (_owner.Upstream is { } upstream) return AddMapped(upstream, itemId);
            if (!_owner.Model.Items.TryGetIndex(itemId.Trim(), out int index)) { IgnoredItems++; return false; }
            var scorer = Load();
            try
            {
                ReadOnlySpan<int> step = [index];
                scorer.Advance(step);
                _state = Save(scorer);
            }
            finally
            {
                _owner.ReturnScorer(scorer);
            }
            Length++;
            return true;
        }
    }

    // Add through the upstream transforms (under the lock): the raw id becomes the items of the transformed item column.
    private bool AddMapped(UpstreamItemMapper upstream, string itemId)
    {
        var items = _mapped ??= [];
        int unknown = upstream.Map(itemId, items);
        IgnoredItems += unknown;
        if (items.Count == 0)
        {
            if (unknown == 0) IgnoredItems++;
            return false;
        }
        var scorer = Load();
        try
        {
            Span<int> step = stackalloc int[1];
            foreach (int index in items)
            {
                step[0] = index;
                scorer.Advance(step);
            }
            _state = Save(scorer);
        }
        finally
        {
            _owner.ReturnScorer(scorer);
        }
        Length += items.Count;
        return true;
    }

    /// <summary>The current top-k (the recommender's default k unless given); the cold-start answer while empty.</summary>
    public IReadOnlyList<RecommendedItem> Recommend(int? topK = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var call = _owner.EnterCall();
            if (Length == 0) return _owner.ColdStartList(topK);
            int k = _owner.ListLength(topK);
            var items = new int[k];
            var scores = new float[k];
            Span<int> count = stackalloc int[1];
            ReadOnlySpan<int> slot = [0];
            var scorer = Load();
            try { scorer.TopK(slot, k, null, items, scores, count); }
            finally { _owner.ReturnScorer(scorer); }
            return _owner.ToList(items, scores, count[0]);
        }
    }

    // A pooled scorer whose slot 0 holds this session's state.
    private ISessionScorer Load()
    {
        var scorer = _owner.RentScorer();
        try
        {
            PutState(scorer, 0, _state);
            return scorer;
        }
        catch
        {
            _owner.ReturnScorer(scorer);
            throw;
        }
    }

    /// <summary>Puts a session's state bytes (null: empty session) into a scorer's slot.</summary>
    internal static void PutState(ISessionScorer scorer, int slot, byte[]? state)
    {
        if (state is null)
        {
            scorer.ResetSlot(slot);
            return;
        }
        using var reader = new BinaryReader(new MemoryStream(state, writable: false));
        scorer.ReadState(slot, reader);
    }

    /// <summary>The state bytes of a scorer's slot (what <see cref="PutState"/> puts back).</summary>
    internal static byte[] Save(ISessionScorer scorer, int slot = 0)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) scorer.WriteState(slot, writer);
        return stream.ToArray();
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
            using var call = _owner.EnterCall();
            byte[] scorerState = _state ?? EmptyState();
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(StateVersion);
                writer.Write(_owner.IdentityBytes);
                writer.Write(Length);
                writer.Write(IgnoredItems);
                writer.Write(scorerState);
            }
            return stream.ToArray();
        }
    }

    private byte[] EmptyState()
    {
        var scorer = Load();
        try { return Save(scorer); }
        finally { _owner.ReturnScorer(scorer); }
    }

    /// <summary>Replaces this (new) session's state with an exported one; see <see cref="SessionRecommender.RestoreSession"/>.</summary>
    internal void Import(ReadOnlySpan<byte> state)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var call = _owner.EnterCall();
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
            // The scorer checks its part (and that nothing follows it), then the session keeps the exact bytes.
            var scorer = _owner.RentScorer();
            try
            {
                try { scorer.ReadState(0, reader); }
                catch (EndOfStreamException e) { throw new InvalidDataException("The session state is truncated.", e); }
                if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException("The session state has trailing bytes.");
                _state = Save(scorer);
            }
            finally
            {
                _owner.ReturnScorer(scorer);
            }
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
            _state = null;
            Length = 0;
            IgnoredItems = 0;
        }
    }

    /// <summary>Ends the session (its state is managed memory: nothing native to release).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _state = null;
        }
    }
}
