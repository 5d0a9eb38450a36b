using Microsoft.ML;

namespace MLNet.SessionRec;

/// <summary>
/// Named streaming recommenders for serving, in the shape of ML.NET's <c>PredictionEnginePool</c>
/// (<c>FromFile(modelName, filePath, watchForChanges)</c>, <c>GetPredictionEngine(modelName)</c>): each model is
/// loaded on first use with the caller's <see cref="MLContext"/>; a model registered with <c>watchForChanges</c> is
/// reloaded when its file changes (replace the file by writing a temporary file and renaming it over the old one).
/// Thread-safe. A recommender returned before a reload keeps working for its live sessions; the replaced model is
/// left to the garbage collector (it is not disposed under sessions that may still use it). Dispose the pool to
/// release the current models.
/// </summary>
public sealed class SessionRecommenderPool : IDisposable
{
    /// <summary>The name of the model registered without a name (ML.NET's default model name).</summary>
    public const string DefaultModelName = "";

    // How often a watched file is looked at when no change notification came (notifications are not reliable on
    // every file system, e.g. some network and container mounts).
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly MLContext _ml;
    private readonly Dictionary<string, Entry> _models = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private bool _disposed;

    /// <summary>A pool whose models load with <paramref name="mlContext"/> (device, fallback, log).</summary>
    public SessionRecommenderPool(MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        _ml = mlContext;
    }

    /// <summary>Registers the model zip at <paramref name="filePath"/> as the default model.</summary>
    public SessionRecommenderPool FromFile(string filePath, bool watchForChanges = false, int? topK = null) =>
        FromFile(DefaultModelName, filePath, watchForChanges, topK);

    /// <summary>
    /// Registers the model zip at <paramref name="filePath"/> under <paramref name="modelName"/>; with
    /// <paramref name="watchForChanges"/> it is reloaded when the file changes.
    /// </summary>
    public SessionRecommenderPool FromFile(string modelName, string filePath, bool watchForChanges = false, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        Add(modelName, new Entry(this, Path.GetFullPath(filePath), null, watchForChanges, topK));
        return this;
    }

    /// <summary>Registers a model read from the stream that <paramref name="openModel"/> returns (disposed after loading).</summary>
    public SessionRecommenderPool FromStream(string modelName, Func<Stream> openModel, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(openModel);
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "TopK must be at least 1.");
        Add(modelName, new Entry(this, null, openModel, false, topK));
        return this;
    }

    /// <summary>The names of the registered models.</summary>
    public IReadOnlyCollection<string> ModelNames
    {
        get { lock (_lock) return _models.Keys.ToArray(); }
    }

    /// <summary>The recommender of the default model.</summary>
    public SessionRecommender GetRecommender() => GetRecommender(DefaultModelName);

    /// <summary>The current recommender of the model <paramref name="modelName"/> (loaded on first use, reloaded after a watched file changed).</summary>
    /// <exception cref="ArgumentException">No model of that name is registered.</exception>
    public SessionRecommender GetRecommender(string modelName)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        Entry? entry;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_models.TryGetValue(modelName, out entry))
                throw new ArgumentException($"No session recommendation model named '{modelName}' is registered (registered: {string.Join(", ", _models.Keys.Select(k => $"'{k}'"))}).", nameof(modelName));
        }
        return entry.Current();
    }

    /// <summary>Releases the current models and stops watching their files.</summary>
    public void Dispose()
    {
        Entry[] entries;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            entries = _models.Values.ToArray();
        }
        foreach (var entry in entries) entry.Dispose();
    }

    private void Add(string name, Entry entry)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_models.ContainsKey(name))
            {
                entry.Dispose();
                throw new ArgumentException($"A session recommendation model named '{name}' is already registered.", nameof(name));
            }
            _models.Add(name, entry);
        }
    }

    /// <summary>One registered model: its source, its current recommender and, when watched, the file's last state.</summary>
    private sealed class Entry : IDisposable
    {
        private readonly SessionRecommenderPool _pool;
        private readonly string? _path;
        private readonly Func<Stream>? _open;
        private readonly bool _watch;
        private readonly int? _topK;
        private readonly object _lock = new();
        private readonly FileSystemWatcher? _watcher;
        private SessionRecommender? _current;
        private (DateTime Written, long Length) _stamp;
        private long _nextCheck;
        private volatile bool _changed;

        public Entry(SessionRecommenderPool pool, string? path, Func<Stream>? open, bool watch, int? topK)
        {
            _pool = pool;
            _path = path;
            _open = open;
            _watch = watch;
            _topK = topK;
            if (watch && path != null && Directory.Exists(Path.GetDirectoryName(path)))
            {
                _watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
                };
                _watcher.Changed += (_, _) => _changed = true;
                _watcher.Created += (_, _) => _changed = true;
                _watcher.Renamed += (_, _) => _changed = true;
                _watcher.EnableRaisingEvents = true;
            }
        }

        public SessionRecommender Current()
        {
            var current = Volatile.Read(ref _current);
            if (current != null && !(_watch && DueForCheck())) return current;
            lock (_lock)
            {
                if (_current == null)
                {
                    var stamp = Stamp();
                    _current = Load();
                    _stamp = stamp;
                }
                else if (_watch && DueForCheck())
                {
                    _changed = false;
                    Interlocked.Exchange(ref _nextCheck, DateTime.UtcNow.Add(PollInterval).Ticks);
                    var stamp = Stamp();
                    if (stamp != _stamp)
                    {
                        try
                        {
                            // The old recommender is not disposed: sessions started on it may still be running.
                            Volatile.Write(ref _current, Load());
                            _stamp = stamp;
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            // A file being replaced in place can be incomplete: keep serving the last good model, retry later.
                        }
                    }
                }
                return _current;
            }
        }

        private bool DueForCheck() => _changed || DateTime.UtcNow.Ticks >= Interlocked.Read(ref _nextCheck);

        private (DateTime, long) Stamp()
        {
            if (_path == null) return default;
            var info = new FileInfo(_path);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
        }

        private SessionRecommender Load()
        {
            if (_path != null) return SessionRecommender.Load(_pool._ml, _path, _topK);
            using var stream = _open!() ?? throw new InvalidOperationException("The model stream factory returned null.");
            return SessionRecommender.Load(_pool._ml, stream, _topK);
        }

        public void Dispose()
        {
            _watcher?.Dispose();
            lock (_lock) _current?.Dispose();
        }
    }
}
