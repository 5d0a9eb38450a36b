using System.Diagnostics;
using System.Globalization;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// Load time and memory of the session store on rsc15-100k and nowplaying train_full, against a naive reference
/// parse (File.ReadAllLines + Split + a dictionary of lists) of the same file in the same process.
/// </summary>
internal sealed class LoadBenchmark : IBenchmark
{
    public string Name => "load";

    public string Description => "session store load time and bytes/event vs a naive parse (args: [repeats] [data dir])";

    public int Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        string root = args.Length > 1 ? args[1] : FindData();
        Console.WriteLine($"repeats={repeats}, data={root}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"{"file",-22} {"events",9} {"sessions",9} {"ms",8} {"Mev/s",7} {"ref ms",8} {"speedup",8} {"B/ev store",10} {"B/ev GC",8} {"ref B/ev GC",11} {"alloc B/ev",10} {"ref alloc",9}");
        // Tiered JIT: a loader runs its loops once per call, so bring both parsers to optimized code first
        // (30 calls promote a method); otherwise the first small file measures the JIT, not the parser.
        var warmFile = Path.Combine(root, "rsc15-100k", "yoochoose-clicks-100k_train_full.txt");
        for (int i = 0; i < 35; i++) { SessionFileReader.Read(warmFile); NaiveParse(warmFile); }
        Thread.Sleep(500);
        foreach (var file in new[] { Path.Combine(root, "rsc15-100k", "yoochoose-clicks-100k_train_full.txt"), Path.Combine(root, "nowplaying", "train_full.tsv") })
        {
            if (!File.Exists(file)) { Console.Error.WriteLine($"missing {file}"); return 1; }
            var (ms, retained, allocated, data) = Measure(repeats, () => SessionFileReader.Read(file));
            var (refMs, refRetained, refAllocated, _) = Measure(repeats, () => NaiveParse(file));
            double events = data.EventCount;
            Console.WriteLine($"{Path.GetFileName(file),-22} {data.EventCount,9} {data.SessionCount,9} {ms,8:F1} {events / ms / 1000,7:F2} {refMs,8:F1} {refMs / ms,8:F2} {data.StorageBytes / events,10:F2} {retained / events,8:F2} {refRetained / events,11:F2} {allocated / events,10:F1} {refAllocated / events,9:F1}");
        }
        Console.WriteLine("ms = median load time; B/ev store = array bytes of the store / events; B/ev GC = heap growth kept by the loaded object (incl. vocabulary); alloc = bytes allocated while loading.");
        return 0;
    }

    /// <summary>Median wall time over the repeats (after one warm-up) and the heap bytes retained by one result.</summary>
    private static (double Ms, long Retained, long Allocated, T Result) Measure<T>(int repeats, Func<T> load)
    {
        T result = load(); // warm-up (JIT, file cache)
        result = default!;
        var times = new List<double>();
        long retained = 0, allocated = 0;
        for (int r = 0; r < repeats; r++)
        {
            result = default!;
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            long before = GC.GetTotalMemory(true);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            result = load();
            times.Add(watch.Elapsed.TotalMilliseconds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            retained = GC.GetTotalMemory(true) - before;
            GC.KeepAlive(result);
        }
        times.Sort();
        return (times[times.Count / 2], retained, allocated, result);
    }

    /// <summary>The obvious implementation: all lines, Split, sessions as lists of (time, item string).</summary>
    private static Dictionary<string, List<(double Time, string Item)>> NaiveParse(string path)
    {
        var sessions = new Dictionary<string, List<(double, string)>>();
        foreach (var line in File.ReadAllLines(path).Skip(1))
        {
            var f = line.Split('\t');
            if (!sessions.TryGetValue(f[0], out var list)) sessions[f[0]] = list = new();
            list.Add((double.Parse(f[2], CultureInfo.InvariantCulture), f[1]));
        }
        foreach (var list in sessions.Values) list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return sessions;
    }

    private static string FindData()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.SessionRec.sln"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
    }
}
