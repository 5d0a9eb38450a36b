using Microsoft.AspNetCore.Builder;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.ML;
using StackExchange.Redis;

[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]

namespace MLNet.SessionRec.Serving.Tests;

/// <summary>
/// What the serving tests share: one small model (SR trained on the bundled rsc15-100k once per run), the repository's
/// files, free local ports, and the external programs (redis-server, chromium) with an Inconclusive reason when absent.
/// </summary>
[TestClass]
public static class ServingTestEnvironment
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string WorkDir { get; } = Path.Combine(Path.GetTempPath(), $"sessionrec-serving-tests-{Environment.ProcessId}");

    /// <summary>The model every test serves (do not modify; copy it to test a reload).</summary>
    public static string ModelPath { get; } = Path.Combine(WorkDir, "model", "sr.zip");

    public static string TestEvents => Path.Combine(RepoRoot, "data", "rsc15-100k", "yoochoose-clicks-100k_test.txt");

    [AssemblyInitialize]
    public static void Init(TestContext _)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ModelPath)!);
        ModelHost.TrainDefaultModel(new MLContext(seed: 0), Path.Combine(RepoRoot, "data", "rsc15-100k", "yoochoose-clicks-100k_train_full.txt"), ModelPath);
    }

    [AssemblyCleanup]
    public static void Cleanup()
    {
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An executable on PATH (or the given absolute path); Inconclusive with <paramref name="why"/> when absent.</summary>
    public static string Require(string program, string why)
    {
        if (Path.IsPathRooted(program)) { if (File.Exists(program)) return program; }
        else
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string path = Path.Combine(dir, program);
                if (File.Exists(path)) return path;
            }
        }
        Assert.Inconclusive($"{program} not found ({why}); .ci/run installs it with apt.");
        return null!;
    }

    /// <summary>Real test sessions (rsc15-100k test file): the first <paramref name="count"/> with at least <paramref name="minLength"/> events.</summary>
    public static List<string[]> TestSessions(int count, int minLength = 3, int maxLength = 12)
    {
        var sessions = new List<string[]>();
        string? current = null;
        var items = new List<string>();
        foreach (var line in File.ReadLines(TestEvents).Skip(1))
        {
            var parts = line.Split('\t');
            if (parts[0] != current)
            {
                if (items.Count >= minLength && items.Count <= maxLength) sessions.Add(items.ToArray());
                if (sessions.Count == count) return sessions;
                current = parts[0];
                items.Clear();
            }
            items.Add(parts[1]);
        }
        if (items.Count >= minLength && items.Count <= maxLength && sessions.Count < count) sessions.Add(items.ToArray());
        return sessions;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.SessionRec.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MLNet.SessionRec.sln not found above the test binaries.");
    }
}

/// <summary>
/// A redis-server of the test's own on a free 127.0.0.1 port (data in a temporary folder, saved when it is stopped so a
/// restart finds the sessions again). Inconclusive when redis-server is not installed.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    private readonly string _exe;
    private readonly string _dir;
    private Process? _process;

    public RedisServerProcess()
    {
        _exe = ServingTestEnvironment.Require("redis-server", "the Redis store tests run their own redis-server");
        Port = ServingTestEnvironment.FreePort();
        _dir = Path.Combine(ServingTestEnvironment.WorkDir, $"redis-{Port}");
        Directory.CreateDirectory(_dir);
        Start();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public void Start()
    {
        var info = new ProcessStartInfo(_exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--protected-mode", "no", "--dir", _dir,
                     "--dbfilename", "dump.rdb", "--save", "3600 1", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning" })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = ConnectionMultiplexer.Connect($"{Configuration},connectTimeout=500");
                probe.GetDatabase().Ping();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited) { Thread.Sleep(100); }
        }
    }

    /// <summary>Stops Redis as an operator would (SIGTERM: it saves its data and exits).</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false }) return;
        _ = kill(_process.Id, 15);
        if (!_process.WaitForExit(10_000)) _process.Kill();
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process?.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

/// <summary>One instance of the service on a free 127.0.0.1 port (real Kestrel, as deployed).</summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServiceInstance(WebApplication app, int port)
    {
        _app = app;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static async Task<ServiceInstance> StartAsync(string modelPath, string? redis = null, params string[] extra)
    {
        int port = ServingTestEnvironment.FreePort();
        var args = new List<string> { "--urls", $"http://127.0.0.1:{port}", "--model", modelPath, "--Logging:LogLevel:Default=Warning" };
        if (redis != null) args.AddRange(["--redis", redis]);
        args.AddRange(extra);
        var app = ServingApp.Create(args.ToArray());
        await app.StartAsync();
        var instance = new ServiceInstance(app, port);
        await instance.WaitReadyAsync();
        return instance;
    }

    public async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if ((await Client.GetAsync("/readyz")).IsSuccessStatusCode) return;
            await Task.Delay(100);
        }
        Assert.Fail("The service did not become ready in 60 s.");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
