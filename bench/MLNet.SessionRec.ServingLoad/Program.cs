// Load generator for the serving sample (bench/serving-load.sh runs it): VISITORS concurrent simulated visitors, each
// replaying real test sessions one event at a time (POST /sessions/{id}/events, the next event after the answer), against
// one or more instances on loopback addresses only. Bounded by a request count and a duration.
//
//   ServingLoad run --urls http://127.0.0.1:5081[,http://127.0.0.1:5082] --test FILE [--visitors 50] [--requests 20000]
//                   [--seconds 30] [--warmup 1000] [--routing alternate|sticky] [--max-session 50] [--think-ms 0]
//                   [--label NAME] [--json FILE]
//   ServingLoad free-port                 prints a free 127.0.0.1 TCP port
//   ServingLoad wait-ready URL [SECONDS]  waits for URL/readyz
//
// routing alternate: every event of a session goes to the next instance (needs shared state: Redis);
// routing sticky: a visitor keeps one instance (in-memory state per instance, as behind a sticky load balancer).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

return args.FirstOrDefault() switch
{
    "free-port" => FreePort(),
    "wait-ready" => await WaitReady(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 120),
    "run" => await Run(Options(args.Skip(1).ToArray())),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ServingLoad run --urls URL[,URL] --test FILE [...] | free-port | wait-ready URL [SECONDS]");
    return 2;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
    return 0;
}

static async Task<int> WaitReady(string url, int seconds)
{
    using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
    var deadline = DateTime.UtcNow.AddSeconds(seconds);
    while (DateTime.UtcNow < deadline)
    {
        try { if ((await client.GetAsync(url.TrimEnd('/') + "/readyz")).IsSuccessStatusCode) return 0; }
        catch (HttpRequestException) { }
        await Task.Delay(200);
    }
    Console.Error.WriteLine($"{url} not ready after {seconds} s");
    return 1;
}

static Dictionary<string, string> Options(string[] args)
{
    var o = new Dictionary<string, string>
    {
        ["visitors"] = "50", ["requests"] = "20000", ["seconds"] = "30", ["warmup"] = "1000", ["routing"] = "alternate",
        ["max-session"] = "50", ["label"] = "run", ["think-ms"] = "0",
    };
    for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
    return o;
}

static async Task<int> Run(Dictionary<string, string> o)
{
    var urls = o["urls"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)).ToArray();
    if (urls.Any(u => !IPAddress.TryParse(u.Host, out var ip) || !IPAddress.IsLoopback(ip)))
        throw new ArgumentException("Only loopback addresses (127.0.0.1) are load-tested.");
    int visitors = int.Parse(o["visitors"], CultureInfo.InvariantCulture);
    int requests = int.Parse(o["requests"], CultureInfo.InvariantCulture);
    int warmup = int.Parse(o["warmup"], CultureInfo.InvariantCulture);
    int maxSession = int.Parse(o["max-session"], CultureInfo.InvariantCulture);
    var duration = TimeSpan.FromSeconds(double.Parse(o["seconds"], CultureInfo.InvariantCulture));
    bool sticky = o["routing"] == "sticky";
    double thinkMs = double.Parse(o["think-ms"], CultureInfo.InvariantCulture);
    var sessions = ReadSessions(o["test"], maxSession);

    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = visitors * 2, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false };
    using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    string runId = Guid.NewGuid().ToString("N")[..8];

    // Warm-up (JIT, connections, caches): not recorded.
    if (warmup > 0) await Phase(client, urls, sessions, visitors, warmup, duration, sticky, thinkMs, $"w{runId}", record: false);
    var result = await Phase(client, urls, sessions, visitors, requests, duration, sticky, thinkMs, runId, record: true);

    var latencies = result.Latencies;
    latencies.Sort();
    double P(double q) => latencies.Count == 0 ? -1 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
    var summary = new
    {
        label = o["label"],
        instances = urls.Length,
        routing = sticky ? "sticky" : "alternate",
        thinkMs,
        visitors,
        test = Path.GetFileName(o["test"]),
        requests = latencies.Count + result.Errors,
        errors = result.Errors,
        errorKinds = result.ErrorKinds,
        ignoredItems = result.Ignored,
        sessions = result.Sessions,
        seconds = Math.Round(result.Elapsed.TotalSeconds, 2),
        throughputPerSecond = Math.Round((latencies.Count + result.Errors) / result.Elapsed.TotalSeconds, 0),
        p50Ms = Math.Round(P(0.50), 2),
        p90Ms = Math.Round(P(0.90), 2),
        p99Ms = Math.Round(P(0.99), 2),
        maxMs = Math.Round(latencies.Count == 0 ? -1 : latencies[^1], 2),
        processorCount = Environment.ProcessorCount,
        loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
    };
    string json = JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true });
    if (o.TryGetValue("json", out var path))
    {
        // Temporary file renamed over the target: a stopped run leaves the previous result, never a partial one.
        string temp = path + $".{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temp, json);
        File.Move(temp, path, overwrite: true);
    }
    Console.WriteLine(json);
    return 0;
}

static async Task<PhaseResult> Phase(HttpClient client, Uri[] urls, List<string[]> sessions, int visitors, int requests,
    TimeSpan duration, bool sticky, double thinkMs, string runId, bool record)
{
    int issued = 0, nextSession = 0, errors = 0, ignored = 0, sessionCount = 0;
    var perVisitor = new List<double>[visitors];
    var errorKinds = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
    var clock = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, visitors).Select(v => Task.Run(async () =>
    {
        var latencies = perVisitor[v] = new List<double>(requests / visitors + 16);
        int routed = v;
        while (clock.Elapsed < duration)
        {
            int s = Interlocked.Increment(ref nextSession) - 1;
            var items = sessions[s % sessions.Count];
            string sessionId = $"load-{runId}-{s}";
            Interlocked.Increment(ref sessionCount);
            foreach (var item in items)
            {
                if (Interlocked.Increment(ref issued) > requests || clock.Elapsed >= duration) return;
                // A visitor looks at the list before the next click: uniform in [0, 2 x think-ms] (0 = no pause).
                if (thinkMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * 2 * thinkMs));
                var url = urls[(sticky ? v : routed++) % urls.Length];
                using var body = new StringContent($"{{\"itemId\":\"{item}\"}}", Encoding.UTF8, "application/json");
                long start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync(new Uri(url, $"/sessions/{sessionId}/events"), body);
                    string text = await response.Content.ReadAsStringAsync();
                    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (response.IsSuccessStatusCode)
                    {
                        latencies.Add(ms);
                        if (text.Contains("\"ignored\":true", StringComparison.Ordinal)) Interlocked.Increment(ref ignored);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                        errorKinds.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    errorKinds.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        }
    })).ToArray();
    await Task.WhenAll(tasks);
    var all = new List<double>();
    foreach (var l in perVisitor) if (l != null) all.AddRange(l);
    return new PhaseResult(record ? all : [], errors, errorKinds.ToDictionary(p => p.Key, p => p.Value), ignored, sessionCount, clock.Elapsed);
}

static List<string[]> ReadSessions(string path, int maxSession)
{
    var sessions = new List<string[]>();
    string? current = null;
    var items = new List<string>();
    foreach (var line in File.ReadLines(path).Skip(1))
    {
        int tab = line.IndexOf('\t');
        int tab2 = line.IndexOf('\t', tab + 1);
        string session = line[..tab], item = tab2 < 0 ? line[(tab + 1)..] : line[(tab + 1)..tab2];
        if (session != current)
        {
            if (items.Count > 0) sessions.Add(items.Take(maxSession).ToArray());
            current = session;
            items.Clear();
        }
        items.Add(item);
    }
    if (items.Count > 0) sessions.Add(items.Take(maxSession).ToArray());
    return sessions;
}

internal sealed record PhaseResult(List<double> Latencies, int Errors, Dictionary<string, int> ErrorKinds, int Ignored, int Sessions, TimeSpan Elapsed);
