using StackExchange.Redis;

namespace MLNet.SessionRec.Serving;

/// <summary>
/// Session states in Redis, shared by every instance: one hash per session (<c>s</c> = state, <c>v</c> = version)
/// under <c>{prefix}:{model name}:session:{id}</c>, expiring after the idle timeout. A write is a compare-and-set
/// script conditioned on the version read (or on the key's absence), so concurrent writers never lose an event. Redis
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

    // Compare-and-set in one round trip: write only when the stored version is still the one read (or the key is
    // still absent when none was read), then renew the TTL. Scripts run atomically in Redis.
    private const string CompareAndSet = """
        local v = redis.call('HGET', KEYS[1], 'v')
        if ARGV[1] == '' then
          if v then return 0 end
        elseif v ~= ARGV[1] then
          return 0
        end
        redis.call('HSET', KEYS[1], 's', ARGV[2], 'v', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    public async Task<bool> TryWriteAsync(string key, byte[] state, long? expectedVersion, CancellationToken cancellationToken)
    {
        RedisValue expected = expectedVersion is long v ? v : "";
        var result = await Guard(() => Db.ScriptEvaluateAsync(CompareAndSet, [key],
            [expected, state, (expectedVersion ?? 0) + 1, (long)_ttl.TotalMilliseconds]));
        return (long)result == 1;
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
