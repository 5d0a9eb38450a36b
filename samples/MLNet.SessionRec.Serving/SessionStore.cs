namespace MLNet.SessionRec.Serving;

/// <summary>A stored session: the exported state (<see cref="RecommendationSession.ExportState"/>) and its version.</summary>
public sealed record StoredSession(byte[] State, long Version);

/// <summary>
/// Where session states live between requests. Writes are optimistic: <see cref="TryWriteAsync"/> succeeds only when
/// the stored version is still the one read (or the session is still absent), so two instances updating one session
/// never lose an event (the loser re-reads and re-applies it).
/// </summary>
public interface ISessionStore
{
    /// <summary>Which store this is (for the health and metrics).</summary>
    string Kind { get; }

    /// <summary>The session's state, or null when it does not exist (or expired).</summary>
    Task<StoredSession?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="state"/> as version <paramref name="expectedVersion"/>+1 if the stored version is still <paramref name="expectedVersion"/> (null: the session must not exist).</summary>
    Task<bool> TryWriteAsync(string key, byte[] state, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Forgets the session.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Live sessions (the in-memory count; for Redis the keys of this model, counted now and then).</summary>
    long LiveSessions { get; }
}

/// <summary>The store could not be reached (e.g. Redis is down): the request gets 503.</summary>
public sealed class SessionStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
