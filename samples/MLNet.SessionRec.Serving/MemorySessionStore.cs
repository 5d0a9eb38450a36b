using System.Collections.Concurrent;

namespace MLNet.SessionRec.Serving;

/// <summary>
/// Session states in this process: bounded by <see cref="ServingOptions.MaxSessions"/> (least recently used dropped
/// first) and forgotten after <see cref="ServingOptions.IdleTimeout"/> without a request.
/// </summary>
public sealed class MemorySessionStore : ISessionStore, IDisposable
{
    private sealed class Entry(byte[] state, long version, long touched)
    {
        public readonly byte[] State = state;
        public readonly long Version = version;
        public long Touched = touched;
    }

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly object[] _stripes = Enumerable.Range(0, 64).Select(_ => new object()).ToArray();
    private readonly int _max;
    private readonly long _idleTicks;
    private readonly TimeProvider _time;
    private readonly Timer _sweeper;
    private int _evicting;

    public MemorySessionStore(int maxSessions, TimeSpan idleTimeout, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        _max = maxSessions;
        _idleTicks = idleTimeout.Ticks;
        _time = time ?? TimeProvider.System;
        var period = TimeSpan.FromTicks(Math.Clamp(idleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _sweeper = new Timer(_ => Sweep(), null, period, period);
    }

    public string Kind => "memory";

    public long LiveSessions => _sessions.Count;

    private long Now => _time.GetUtcNow().UtcTicks;

    private object Stripe(string key) => _stripes[(StringComparer.Ordinal.GetHashCode(key) & int.MaxValue) % _stripes.Length];

    public Task<StoredSession?> GetAsync(string key, CancellationToken cancellationToken)
    {
        long now = Now;
        if (!_sessions.TryGetValue(key, out var entry)) return Task.FromResult<StoredSession?>(null);
        if (now - Volatile.Read(ref entry.Touched) > _idleTicks)
        {
            lock (Stripe(key)) _sessions.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return Task.FromResult<StoredSession?>(null);
        }
        Volatile.Write(ref entry.Touched, now);
        return Task.FromResult<StoredSession?>(new StoredSession(entry.State, entry.Version));
    }

    public Task<bool> TryWriteAsync(string key, byte[] state, long? expectedVersion, CancellationToken cancellationToken)
    {
        long now = Now;
        bool added;
        lock (Stripe(key))
        {
            _sessions.TryGetValue(key, out var current);
            if (current != null && now - current.Touched > _idleTicks) { _sessions.TryRemove(key, out _); current = null; }
            if (current?.Version != expectedVersion) return Task.FromResult(false);
            added = current == null;
            _sessions[key] = new Entry(state, (expectedVersion ?? 0) + 1, now);
        }
        if (added && _sessions.Count > _max) Evict();
        return Task.FromResult(true);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        lock (Stripe(key)) _sessions.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    /// <summary>Drops idle sessions, then the least recently used ones until 95% of the bound (one thread at a time).</summary>
    private void Evict()
    {
        if (Interlocked.Exchange(ref _evicting, 1) == 1) return;
        try
        {
            Sweep();
            int excess = _sessions.Count - (int)(_max * 0.95);
            if (excess <= 0) return;
            foreach (var (key, entry) in _sessions.ToArray().OrderBy(p => Volatile.Read(ref p.Value.Touched)).Take(excess))
                lock (Stripe(key)) _sessions.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }
        finally { Volatile.Write(ref _evicting, 0); }
    }

    private void Sweep()
    {
        long now = Now;
        foreach (var (key, entry) in _sessions)
            if (now - Volatile.Read(ref entry.Touched) > _idleTicks)
                lock (Stripe(key)) _sessions.TryRemove(new KeyValuePair<string, Entry>(key, entry));
    }

    public void Dispose() => _sweeper.Dispose();
}
