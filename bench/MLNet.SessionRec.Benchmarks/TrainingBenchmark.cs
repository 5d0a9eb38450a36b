using Microsoft.ML;
using System.Diagnostics;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// GRU4Rec training throughput (events/s over whole epochs) on CPU, official RSC15 parameters by default.
/// Usage: gru4rec-train [--train FILE] [--params "loss=...,..."] [--epochs N] [--seed S] [--threads T]
/// </summary>
internal sealed class TrainingBenchmark : IBenchmark
{
    public const string Rsc15Params = "loss=cross-entropy,constrained_embedding=True,embedding=0,elu_param=0,layers=100,n_epochs=10,batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.0,logq=1.0";

    public string Name => "gru4rec-train";

    public string Description => "GRU4Rec training events/s (whole epochs, official RSC15 parameters)";

    public int Run(string[] args)
    {
        var a = new Args(args);
        string train = a.Get("--train", BenchData.Rsc15("train_full"));
        var options = Gru4RecTrainer.Options.Parse(a.Get("--params", Rsc15Params));
        options.NumberOfEpochs = int.Parse(a.Get("--epochs", "3"));
        int? threads = a.Has("--threads") ? int.Parse(a.Get("--threads", "0")) : null;
        var data = SessionFileReader.Read(train);
        Console.WriteLine($"train: {train} ({data.EventCount} events, {data.SessionCount} sessions, {data.Items.Count} items)");
        Console.WriteLine($"params: {options}");
        var reports = new List<Gru4RecEpochReport>();
        var watch = Stopwatch.StartNew();
        bool progress = a.Has("--progress");
        options.NumberOfThreads = threads;
        options.OnEpoch = report => { reports.Add(report); Console.WriteLine(report); };
        if (progress) options.OnProgress = p => Console.WriteLine($"  epoch {p.Epoch}: {p.Fraction:P0} after {watch.Elapsed.TotalSeconds:F1} s");
        var ml = new MLContext(int.Parse(a.Get("--seed", "42")));
        using var model = ml.SessionRecommendation().Trainers.Gru4Rec(options).Train(data);
        double seconds = reports.Sum(r => r.Seconds);
        double events = reports.Sum(r => r.EventsPerSecond * r.Seconds);
        Console.WriteLine($"RESULT ours: {events / seconds:F0} events/s over {reports.Count} epochs ({seconds:F1} s training, {watch.Elapsed.TotalSeconds:F1} s total)");
        return 0;
    }
}

/// <summary>Tiny "--name value" argument reader.</summary>
internal sealed class Args(string[] args)
{
    public bool Has(string name) => Array.IndexOf(args, name) >= 0;

    public string Get(string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

/// <summary>Locates ../shared/data beside the repository (or $SESSIONREC_DATA).</summary>
internal static class BenchData
{
    public static string Rsc15(string part)
    {
        string? root = Environment.GetEnvironmentVariable("SESSIONREC_DATA");
        if (string.IsNullOrEmpty(root))
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.SessionRec.sln"))) dir = dir.Parent;
            root = Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared", "data"));
        }
        return Path.Combine(root, "rsc15-100k", $"yoochoose-clicks-100k_{part}.txt");
    }
}
