using StackExchange.Redis;

namespace MLNet.SessionRec.Serving;

/// <summary>
/// Session states in Redis, shared by every instance: one hash per session (<c>s</c> = state, <c>v</c> = version)
/// under <c>{prefix}:{model name}:session:{id}</c>, expiring after the idle timeout. A write is a transaction
/// conditioned on the version read (or on the key's absence), so concurrent writers never lose an event. Redis
/// unreachable: <see cref="SessionStoreUnavailableException"/> (503); the connection comes back by itself.
/// </summary>
public sealed class RedisSessionStore : ISessionStore, IDisposable
{
    private static readonly RedisValue StateField = "s", VersionField = "v";
    private static readonly RedisValue[] Fields = [StateField, VersionField];
    private readonly ConnectionMultiplexer _redis;
    private readonly TimeSpan _ttl;
    private readonly string _pattern;
    private readonly Timer _counter;
    private long _live;

    public RedisSessionStore(string configuration, string keyPrefix, TimeSpan ttl)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;                 // start (and keep running) while Redis is down
        options.BacklogPolicy = BacklogPolicy.FailFast;     // while it is down, fail at once (503) instead of queueing
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        _redis = ConnectionMultiplexer.Connect(options);
        _ttl = ttl;
        _pattern = keyPrefix + "*";
        _counter = new Timer(_ => CountKeys(), null, TimeSpan.Zero, TimeSpan.FromSeconds(15));
    }

    public string Kind => "redis";

    public long LiveSessions => Interlocked.Read(ref _live);

    private IDatabase Db => _redis.GetDatabase();

    public async Task<StoredSession?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var values = await Guard(() => Db.HashGetAsync(key, Fields));
        if (values[0].IsNull || values[1].IsNull) return null;
        return new StoredSession((byte[])values[0]!, (long)values[1]);
    }

    public async Task<bool> TryWriteAsync(string key, byte[] state, long? expectedVersion, CancellationToken cancellationToken)
    {
        var transaction = Db.CreateTransaction();
        transaction.AddCondition(expectedVersion is long v ? Condition.HashEqual(key, VersionField, v) : Condition.KeyNotExists(key));
        _ = transaction.HashSetAsync(key, [new HashEntry(StateField, state), new HashEntry(VersionField, (expectedVersion ?? 0) + 1)]);
        _ = transaction.KeyExpireAsync(key, _ttl);
        return await Guard(() => transaction.ExecuteAsync());
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Guard(() => Db.KeyDeleteAsync(key));

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new SessionStoreUnavailableException($"The session store (Redis) is unavailable: {e.Message}", e);
        }
    }

    /// <summary>The live-session gauge: counts this prefix's keys on one server now and then (SCAN, not KEYS).</summary>
    private void CountKeys()
    {
        try
        {
            if (!_redis.IsConnected) return;
            var server = _redis.GetServers().FirstOrDefault(s => s.IsConnected);
            if (server == null) return;
            long n = 0;
            foreach (var _ in server.Keys(pattern: _pattern, pageSize: 1000)) n++;
            Interlocked.Exchange(ref _live, n);
        }
        catch (Exception e) when (e is RedisException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _counter.Dispose();
        _redis.Dispose();
    }
}
