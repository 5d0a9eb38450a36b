using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MLNet.SessionRec.Serving;

/// <summary>One recommended item.</summary>
public sealed record RecommendationItem(string ItemId, float Score);

/// <summary>
/// The answer of the session endpoints: the session's list after the request. <c>Ignored</c>: this event's item is
/// unknown to the model (accepted, not an error). <c>Restarted</c>: the stored state belonged to a model that has
/// since been replaced, so the session started over on the current one.
/// </summary>
public sealed record SessionResponse(string SessionId, string Model, int Length, int IgnoredItems, bool Ignored, bool Restarted,
    IReadOnlyList<RecommendationItem> Items);

/// <summary>The catalog's ids starting with a prefix.</summary>
public sealed record ItemsResponse(string Prefix, int Total, IReadOnlyList<string> Items);

/// <summary>The HTTP endpoints of the service.</summary>
public static class SessionEndpoints
{
    public const int MaxBodyBytes = 1024;
    public const int MaxIdLength = 128;
    public const int MaxTake = 100;

    public static void Map(WebApplication app)
    {
        var sessions = app.MapGroup("/sessions/{sessionId}").RequireRateLimiting(ServingApp.SessionLimitPolicy);
        sessions.MapPost("/events", PostEvent);
        sessions.MapGet("/recommendations", GetRecommendations);
        sessions.MapDelete("", DeleteSession);
        app.MapGet("/items", GetItems);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (ModelHost model) => model.Ready
            ? Results.Text("ready")
            : Results.Problem(model.Failure ?? "The model is still loading.", statusCode: 503, title: "Not ready"));
    }

    private static async Task<IResult> PostEvent(string sessionId, HttpRequest request, ModelHost model, ISessionStore store,
        ServingMetrics metrics, IOptions<ServingOptions> options, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var o = options.Value;
        if (BadSessionId(sessionId) is { } badId) return badId;
        if (BadK(request, o, out int k) is { } badK) return badK;
        var (itemId, badBody) = await ReadItemId(request, cancellationToken);
        if (badBody != null) return badBody;
        if (!model.Ready) return NotReady(model);

        var recommender = model.Current;   // this request finishes on this model even if the file is replaced now
        string key = Key(o, sessionId);
        try
        {
            for (int attempt = 0; attempt <= o.MaxConflictRetries; attempt++)
            {
                var stored = await store.GetAsync(key, cancellationToken);
                var (session, restarted) = Open(recommender, stored);
                using (session)
                {
                    bool known = session.Add(itemId!);
                    if (!await store.TryWriteAsync(key, session.ExportState(), stored?.Version, cancellationToken))
                    {
                        // Another instance (or request) wrote first: re-read and re-apply this event, after a short random
                        // pause that grows with the attempts so that many writers of one session do not keep colliding.
                        metrics.Conflict();
                        await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 5)), cancellationToken);
                        continue;
                    }
                    metrics.Event(!known);
                    if (restarted) metrics.Restarted();
                    var response = Response(sessionId, recommender, session, !known, restarted, k);
                    metrics.Request("event", Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    return Results.Ok(response);
                }
            }
            return Results.Problem($"The session was updated concurrently {o.MaxConflictRetries + 1} times in a row; retry.",
                statusCode: 409, title: "Concurrent updates");
        }
        catch (SessionStoreUnavailableException e) { return StoreDown(metrics, e); }
    }

    private static async Task<IResult> GetRecommendations(string sessionId, HttpRequest request, ModelHost model, ISessionStore store,
        ServingMetrics metrics, IOptions<ServingOptions> options, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var o = options.Value;
        if (BadSessionId(sessionId) is { } badId) return badId;
        if (BadK(request, o, out int k) is { } badK) return badK;
        if (!model.Ready) return NotReady(model);
        var recommender = model.Current;
        try
        {
            var stored = await store.GetAsync(Key(o, sessionId), cancellationToken);
            var (session, restarted) = Open(recommender, stored);
            using (session)
            {
                var response = Response(sessionId, recommender, session, false, restarted, k);
                metrics.Request("recommendations", Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                return Results.Ok(response);
            }
        }
        catch (SessionStoreUnavailableException e) { return StoreDown(metrics, e); }
    }

    private static async Task<IResult> DeleteSession(string sessionId, ISessionStore store, ServingMetrics metrics,
        IOptions<ServingOptions> options, CancellationToken cancellationToken)
    {
        if (BadSessionId(sessionId) is { } badId) return badId;
        try
        {
            await store.DeleteAsync(Key(options.Value, sessionId), cancellationToken);
            return Results.NoContent();
        }
        catch (SessionStoreUnavailableException e) { return StoreDown(metrics, e); }
    }

    private static IResult GetItems(HttpRequest request, ModelHost model)
    {
        string prefix = request.Query["prefix"].ToString();
        if (prefix.Length > MaxIdLength) return BadRequest($"prefix is longer than {MaxIdLength} characters.");
        int take = 20;
        var takeText = request.Query["take"];
        if (takeText.Count > 0 && (!int.TryParse(takeText.ToString(), out take) || take < 1 || take > MaxTake))
            return BadRequest($"take must be an integer from 1 to {MaxTake}.");
        if (!model.Ready) return NotReady(model);
        var ids = ModelHost.SortedCatalog(model.Current);
        int first = LowerBound(ids, prefix), end = first;
        while (end < ids.Length && ids[end].StartsWith(prefix, StringComparison.Ordinal)) end++;
        return Results.Ok(new ItemsResponse(prefix, end - first, ids[first..Math.Min(end, first + take)]));
    }

    /// <summary>The store key of a session: namespaced by the prefix and the model's name.</summary>
    public static string Key(ServingOptions o, string sessionId) => $"{o.RedisKeyPrefix}:{o.ModelName}:session:{sessionId}";

    private static (RecommendationSession Session, bool Restarted) Open(SessionRecommender recommender, StoredSession? stored)
    {
        if (stored == null) return (recommender.StartSession(), false);
        try { return (recommender.RestoreSession(stored.State), false); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            // Another model's state (the model file was replaced) or unreadable bytes: start over on the current model.
            return (recommender.StartSession(), true);
        }
    }

    private static SessionResponse Response(string sessionId, SessionRecommender recommender, RecommendationSession session,
        bool ignored, bool restarted, int k)
    {
        var list = session.Recommend(k);
        var items = new RecommendationItem[list.Count];
        for (int i = 0; i < items.Length; i++) items[i] = new RecommendationItem(list[i].ItemId, list[i].Score);
        return new SessionResponse(sessionId, ModelHost.Version(recommender), session.Length, session.IgnoredItems, ignored, restarted, items);
    }

    private static IResult? BadSessionId(string sessionId)
    {
        if (sessionId.Length is 0 or > MaxIdLength || !sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            return BadRequest($"sessionId must be 1 to {MaxIdLength} characters of A-Z, a-z, 0-9, '-', '_', '.', ':'.");
        return null;
    }

    private static IResult? BadK(HttpRequest request, ServingOptions o, out int k)
    {
        k = o.DefaultK;
        var text = request.Query["k"];
        if (text.Count == 0) return null;
        if (!int.TryParse(text.ToString(), out k) || k < 1 || k > o.MaxK) return BadRequest($"k must be an integer from 1 to {o.MaxK}.");
        return null;
    }

    /// <summary>Reads <c>{"itemId": "..."}</c> (at most <see cref="MaxBodyBytes"/> bytes; the id a string or a number).</summary>
    private static async Task<(string? ItemId, IResult? Error)> ReadItemId(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return (null, BadRequest($"The body is larger than {MaxBodyBytes} bytes."));
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            int length = 0, read;
            while (length <= MaxBodyBytes && (read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
                length += read;
            if (length > MaxBodyBytes) return (null, BadRequest($"The body is larger than {MaxBodyBytes} bytes."));
            if (length == 0) return (null, BadRequest("The body is empty; expected {\"itemId\": \"...\"}."));
            string? itemId;
            try
            {
                using var json = JsonDocument.Parse(buffer.AsMemory(0, length));
                if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("itemId", out var item))
                    return (null, BadRequest("Expected a JSON object {\"itemId\": \"...\"}."));
                itemId = item.ValueKind switch
                {
                    JsonValueKind.String => item.GetString(),
                    JsonValueKind.Number => item.GetRawText(),
                    _ => null,
                };
            }
            catch (JsonException e) { return (null, BadRequest($"The body is not valid JSON: {e.Message}")); }
            if (string.IsNullOrWhiteSpace(itemId) || itemId.Length > MaxIdLength || itemId.Any(char.IsControl))
                return (null, BadRequest($"itemId must be a string (or number) of 1 to {MaxIdLength} characters without control characters."));
            return (itemId, null);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    private static int LowerBound(string[] sorted, string value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (string.CompareOrdinal(sorted[mid], value) < 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static IResult BadRequest(string detail) => Results.Problem(detail, statusCode: 400, title: "Bad request");

    private static IResult NotReady(ModelHost model) =>
        Results.Problem(model.Failure ?? "The model is still loading; retry shortly.", statusCode: 503, title: "Not ready");

    private static IResult StoreDown(ServingMetrics metrics, SessionStoreUnavailableException e)
    {
        metrics.StoreUnavailable();
        return Results.Problem(e.Message, statusCode: 503, title: "Session store unavailable",
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = 1 });
    }
}
