namespace MLNet.SessionRec.Serving;

/// <summary>The service's settings (configuration section <c>Serving</c>; command line <c>--Serving:Name=value</c>).</summary>
public sealed class ServingOptions
{
    public const string Section = "Serving";

    /// <summary>The model zip, watched for changes. Absent: trained from <see cref="TrainPath"/> (SR) and saved there.</summary>
    public string ModelPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "model", "rsc15-100k-sr.zip");

    /// <summary>Events to train the default model from when <see cref="ModelPath"/> does not exist (the bundled rsc15-100k).</summary>
    public string TrainPath { get; set; } = Path.Combine(AppContext.BaseDirectory, "data", "rsc15-100k", "yoochoose-clicks-100k_train_full.txt");

    /// <summary>The model's name: the namespace of its session keys (two services sharing one Redis with one name share sessions).</summary>
    public string ModelName { get; set; } = "rsc15-100k-sr";

    /// <summary>Redis connection string (e.g. <c>127.0.0.1:6379</c>); set (flag <c>--redis</c>) = the Redis store, empty = in-memory.</summary>
    public string? Redis { get; set; }

    /// <summary>Prefix of every Redis key.</summary>
    public string RedisKeyPrefix { get; set; } = "sessionrec";

    /// <summary>Sessions idle longer than this are forgotten (in memory) or expire (Redis TTL).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The in-memory store's bound: beyond it the least recently used sessions are dropped.</summary>
    public int MaxSessions { get; set; } = 100_000;

    /// <summary>List length when the request gives no <c>k</c>.</summary>
    public int DefaultK { get; set; } = 20;

    /// <summary>The largest <c>k</c> accepted.</summary>
    public int MaxK { get; set; } = 100;

    /// <summary>Requests per session per <see cref="SessionRequestWindow"/> (one instance's count); beyond: 429.</summary>
    public int SessionRequestLimit { get; set; } = 60;

    /// <summary>The window of <see cref="SessionRequestLimit"/>.</summary>
    public TimeSpan SessionRequestWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times an event is re-applied when another instance updated the session first.</summary>
    public int MaxConflictRetries { get; set; } = 50;
}
