using MLNet.SessionRec.Baselines;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.ML;
using StackExchange.Redis;

namespace MLNet.SessionRec.Serving.Tests;

/// <summary>The service with <see cref="WebApplicationFactory{TEntryPoint}"/> and the given settings.</summary>
public sealed class ServingFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await client.GetAsync("/readyz")).IsSuccessStatusCode)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The service did not become ready in 60 s.");
            await Task.Delay(50);
        }
        return client;
    }
}

/// <summary>The API, the same tests for both session stores (subclasses choose the store).</summary>
public abstract class ApiTestsBase
{
    private static readonly Lazy<SessionRecommender> Reference = new(() => SessionRecommender.Load(new MLContext(seed: 0), ServingTestEnvironment.ModelPath));

    /// <summary>The settings that choose the store (empty: memory).</summary>
    protected abstract Dictionary<string, string?> StoreSettings();

    protected ServingFactory Factory(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StoreSettings())
        {
            ["Serving:ModelPath"] = ServingTestEnvironment.ModelPath,
            ["Serving:ModelName"] = "test-" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return new ServingFactory(settings);
    }

    protected static SessionRecommender Recommender => Reference.Value;

    [TestMethod]
    public async Task EventsAnswerTheStreamingRecommendersListEventByEvent()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        foreach (var (session, index) in ServingTestEnvironment.TestSessions(3).Select((s, i) => (s, i)))
        {
            string id = $"s{index}";
            using var expected = Recommender.StartSession();
            for (int i = 0; i < session.Length; i++)
            {
                expected.Add(session[i]);
                var answer = await PostEvent(client, id, session[i]);
                AssertSameList(expected.Recommend(20), answer);
                Assert.AreEqual(i + 1, answer.Length);
                Assert.AreEqual(20, answer.Items.Count, "default k = 20");
            }
            var get = await client.GetFromJsonAsync<SessionResponse>($"/sessions/{id}/recommendations?k=5");
            AssertSameList(expected.Recommend(5), get!);
            Assert.AreEqual(session.Length, get!.Length);
        }
    }

    [TestMethod]
    public async Task UnknownItemsAreReportedNotErrors()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        var first = await PostEvent(client, "u1", "214716935");
        var unknown = await PostEvent(client, "u1", "no-such-item");
        Assert.IsTrue(unknown.Ignored);
        Assert.IsFalse(first.Ignored);
        Assert.AreEqual(1, unknown.Length);
        Assert.AreEqual(1, unknown.IgnoredItems);
        CollectionAssert.AreEqual(first.Items.ToArray(), unknown.Items.ToArray(), "an ignored item leaves the list unchanged");
        var numeric = await client.PostAsync("/sessions/u1/events", Json("{\"itemId\": 214832672}"));
        Assert.AreEqual(HttpStatusCode.OK, numeric.StatusCode, "a numeric id is accepted");
    }

    [TestMethod]
    public async Task BadInputGets400WithProblemDetails()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        (string Method, string Url, string? Body)[] cases =
        [
            ("POST", "/sessions/b1/events", "{\"itemId\": "),
            ("POST", "/sessions/b1/events", "{\"item\": \"214716935\"}"),
            ("POST", "/sessions/b1/events", "[\"214716935\"]"),
            ("POST", "/sessions/b1/events", "{\"itemId\": [1, 2]}"),
            ("POST", "/sessions/b1/events", "{\"itemId\": \"\"}"),
            ("POST", "/sessions/b1/events", "{\"itemId\": \"" + new string('9', 200) + "\"}"),
            ("POST", "/sessions/b1/events", "{\"itemId\": \"1\", \"pad\": \"" + new string('x', 2000) + "\"}"),
            ("POST", "/sessions/b1/events", ""),
            ("POST", "/sessions/" + new string('a', 200) + "/events", "{\"itemId\": \"214716935\"}"),
            ("POST", "/sessions/bad%20id/events", "{\"itemId\": \"214716935\"}"),
            ("POST", "/sessions/b1/events?k=0", "{\"itemId\": \"214716935\"}"),
            ("POST", "/sessions/b1/events?k=101", "{\"itemId\": \"214716935\"}"),
            ("GET", "/sessions/b1/recommendations?k=abc", null),
            ("GET", "/items?take=0", null),
            ("GET", "/items?take=1000", null),
        ];
        foreach (var (method, url, body) in cases)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body != null) request.Content = Json(body);
            var response = await client.SendAsync(request);
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, $"{method} {url[..Math.Min(url.Length, 60)]} {body?[..Math.Min(body.Length, 40)]}");
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
            Assert.AreEqual("400", problem!["status"].ToString());
            Assert.IsFalse(string.IsNullOrEmpty(problem["detail"].ToString()));
        }
        var k100 = await client.PostAsync("/sessions/b1/events?k=100", Json("{\"itemId\": \"214716935\"}"));
        Assert.AreEqual(HttpStatusCode.OK, k100.StatusCode);
        Assert.AreEqual(1, (await k100.Content.ReadFromJsonAsync<SessionResponse>())!.Length, "no bad request changed the session");
    }

    [TestMethod]
    public async Task DeleteStartsTheSessionOver()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        await PostEvent(client, "d1", "214716935");
        Assert.AreEqual(HttpStatusCode.NoContent, (await client.DeleteAsync("/sessions/d1")).StatusCode);
        var after = await client.GetFromJsonAsync<SessionResponse>("/sessions/d1/recommendations");
        Assert.AreEqual(0, after!.Length);
        AssertSameList(Recommender.StartSession().Recommend(20), after);
    }

    [TestMethod]
    public async Task ItemsListTheCatalogByPrefix()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        var all = await client.GetFromJsonAsync<ItemsResponse>("/items?take=100");
        Assert.AreEqual(Recommender.Model.Items.Count, all!.Total);
        Assert.HasCount(100, all.Items);
        var some = await client.GetFromJsonAsync<ItemsResponse>("/items?prefix=2148&take=5");
        Assert.HasCount(5, some!.Items);
        Assert.IsTrue(some.Items.All(i => i.StartsWith("2148", StringComparison.Ordinal)));
        Assert.AreEqual(Recommender.Model.Items.Ids.Count(i => i.StartsWith("2148", StringComparison.Ordinal)), some.Total);
        var none = await client.GetFromJsonAsync<ItemsResponse>("/items?prefix=zz");
        Assert.AreEqual(0, none!.Total);
    }

    [TestMethod]
    public async Task HealthReadinessAndMetrics()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        await PostEvent(client, "m1", "214716935");
        await PostEvent(client, "m1", "no-such-item");
        string metrics = await client.GetStringAsync("/metrics");
        StringAssert.Contains(metrics, "sessionrec_request_duration_milliseconds_bucket");
        StringAssert.Contains(metrics, "sessionrec_ignored_items_total");
        StringAssert.Contains(metrics, "sessionrec_sessions_live");
        StringAssert.Contains(metrics, $"sessionrec_model_info{{otel_scope_name=\"MLNet.SessionRec.Serving\",version=\"{Recommender.ModelIdentity[..12].ToLowerInvariant()}\"}} 1");
        StringAssert.Contains(metrics, "http_server_request_duration_seconds");
        string page = await client.GetStringAsync("/");
        StringAssert.Contains(page, "<title>MLNet.SessionRec");
    }

    [TestMethod]
    public async Task RequestsPerSessionAreLimited()
    {
        await using var factory = Factory(new() { ["Serving:SessionRequestLimit"] = "5", ["Serving:SessionRequestWindow"] = "00:01:00" });
        var client = await factory.ReadyClientAsync();
        for (int i = 0; i < 5; i++) await PostEvent(client, "r1", "214716935");
        var limited = await client.PostAsync("/sessions/r1/events", Json("{\"itemId\": \"214716935\"}"));
        Assert.AreEqual(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.AreEqual("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        await PostEvent(client, "r2", "214716935");   // another session is not limited
    }

    [TestMethod]
    public async Task ConcurrentEventsOnOneSessionAreAllKept()
    {
        await using var factory = Factory();
        var client = await factory.ReadyClientAsync();
        var items = ServingTestEnvironment.TestSessions(1, minLength: 2)[0];
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => PostEvent(client, "c1", items[i % items.Length])));
        var after = await client.GetFromJsonAsync<SessionResponse>("/sessions/c1/recommendations");
        Assert.AreEqual(30, after!.Length, "no event lost to a concurrent write");
    }

    [TestMethod]
    public async Task AReplacedModelFileIsReloadedAndOldSessionsRestart()
    {
        string dir = Path.Combine(ServingTestEnvironment.WorkDir, "reload-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "model.zip");
        File.Copy(ServingTestEnvironment.ModelPath, path);
        await using var factory = Factory(new() { ["Serving:ModelPath"] = path });
        var client = await factory.ReadyClientAsync();
        var before = await PostEvent(client, "m1", "214716935");
        Assert.AreEqual(Recommender.ModelIdentity[..12].ToLowerInvariant(), before.Model);

        // Another model (SR with other steps), written beside and renamed over the served file.
        var ml = new MLContext(seed: 0);
        var events = ml.Data.LoadFromTextFile<Event>(Path.Combine(ServingTestEnvironment.RepoRoot, "data", "rsc15-100k", "yoochoose-clicks-100k_train_full.txt"), hasHeader: true);
        using (var other = ml.SessionRecommendation().Trainers.SequentialRules(steps: 3).Fit(events)) ml.Model.Save(other, events.Schema, path + ".tmp");
        File.Move(path + ".tmp", path, overwrite: true);

        SessionResponse? after = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            after = await client.GetFromJsonAsync<SessionResponse>("/sessions/m1/recommendations");
            if (after!.Model != before.Model) break;
            await Task.Delay(200);
        }
        Assert.AreNotEqual(before.Model, after!.Model, "the replaced file was loaded");
        var next = await PostEvent(client, "m1", "214832672");
        Assert.IsTrue(next.Restarted, "the old model's session restarts, and says so");
        Assert.AreEqual(1, next.Length);
        var continued = await PostEvent(client, "m1", "214716935");
        Assert.IsFalse(continued.Restarted);
        Assert.AreEqual(2, continued.Length);
    }

    public sealed class Event
    {
        [Microsoft.ML.Data.LoadColumn(0)] public string SessionId { get; set; } = "";
        [Microsoft.ML.Data.LoadColumn(1)] public string ItemId { get; set; } = "";
        [Microsoft.ML.Data.LoadColumn(2)] public double Time { get; set; }
    }

    protected static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static async Task<SessionResponse> PostEvent(HttpClient client, string sessionId, string itemId, int? k = null)
    {
        var response = await client.PostAsJsonAsync($"/sessions/{sessionId}/events" + (k is int v ? $"?k={v}" : ""), new { itemId });
        if (!response.IsSuccessStatusCode) Assert.Fail($"POST event: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SessionResponse>())!;
    }

    public static void AssertSameList(IReadOnlyList<RecommendedItem> expected, SessionResponse actual)
    {
        CollectionAssert.AreEqual(expected.Select(r => r.ItemId).ToArray(), actual.Items.Select(r => r.ItemId).ToArray());
        CollectionAssert.AreEqual(expected.Select(r => r.Score).ToArray(), actual.Items.Select(r => r.Score).ToArray());
    }
}

[TestClass]
public sealed class MemoryStoreApiTests : ApiTestsBase
{
    protected override Dictionary<string, string?> StoreSettings() => [];
}

[TestClass]
public sealed class RedisStoreApiTests : ApiTestsBase
{
    private static RedisServerProcess? _redis;
    private static string? _missing;

    [ClassInitialize]
    public static void StartRedis(TestContext _)
    {
        try { _redis = new RedisServerProcess(); }
        catch (AssertInconclusiveException e) { _missing = e.Message; }
    }

    [ClassCleanup]
    public static void StopRedis() => _redis?.Dispose();

    protected override Dictionary<string, string?> StoreSettings()
    {
        if (_redis == null) Assert.Inconclusive(_missing ?? "redis-server did not start");
        return new() { ["Serving:Redis"] = _redis!.Configuration };
    }

    [TestMethod]
    public async Task SessionKeysAreNamespacedByModelAndExpire()
    {
        await using var factory = Factory(new() { ["Serving:ModelName"] = "ns-model", ["Serving:IdleTimeout"] = "00:05:00" });
        var client = await factory.ReadyClientAsync();
        await PostEvent(client, "k1", "214716935");
        using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        var db = redis.GetDatabase();
        var ttl = await db.KeyTimeToLiveAsync("sessionrec:ns-model:session:k1");
        Assert.IsNotNull(ttl, "the session's key exists, namespaced by the model, with a TTL");
        Assert.IsTrue(ttl.Value > TimeSpan.FromMinutes(4) && ttl.Value <= TimeSpan.FromMinutes(5), ttl.ToString());
    }
}
