using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// Inference figures of a saved model on a test file, using only the public API that the previous release has too,
/// so the same source builds against both and one script runs them side by side (bench/inference.sh):
/// streaming events/s and Add+Recommend(20) latency on one thread, Transform rows/s, evaluation seconds and the
/// memory of many live sessions. Writes one JSON object.
/// Usage: inference --model MODEL.zip --test FILE [--events N] [--rows N] [--sessions N] [--no-eval] [--eval-threads T] [--json PATH] [--label TEXT]
/// </summary>
internal sealed class InferenceBenchmark : IBenchmark
{
    public string Name => "inference";

    public string Description => "recommend events/s, Add+Recommend(20) p50/p99, Transform rows/s, evaluation s, live-session memory of a model zip";

    // The previous release built by bench/inference.sh has no AtomicFile: a temporary file renamed over the target
    // gives the same guarantee (a stopped run leaves the previous result, never a partial one).
    internal static void WriteThenRename(string path, Action<string> write)
    {
        string temp = path + $".{Environment.ProcessId}.tmp";
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public int Run(string[] args)
    {
        var a = new Args(args);
        string modelPath = a.Get("--model", "");
        string testPath = a.Get("--test", "");
        int maxEvents = int.Parse(a.Get("--events", "5000"), CultureInfo.InvariantCulture);
        int maxRows = int.Parse(a.Get("--rows", "5000"), CultureInfo.InvariantCulture);
        int liveSessions = int.Parse(a.Get("--sessions", "100000"), CultureInfo.InvariantCulture);
        var result = new Dictionary<string, object?> { ["label"] = a.Get("--label", "current"), ["model"] = Path.GetFileName(modelPath), ["test"] = Path.GetFileName(testPath) };

        var ml = new MLContext(seed: 1);
        var transformer = Find(ml.Model.Load(modelPath, out _));
        using var recommender = transformer.CreateRecommender();
        var model = recommender.Model;
        result["items"] = model.Items.Count;
        var test = SessionFileReader.Read(testPath, null, model.Items);
        var sessions = Enumerable.Range(0, test.SessionCount).Select(s => test.GetSession(s).ToArray().Select(model.Items.GetId).ToArray()).ToList();
        Console.WriteLine($"{result["label"]}: {Path.GetFileName(modelPath)}, {model.Items.Count} items, test {test.EventCount} events");

        // 1. Streaming: each event is Add + Recommend(20) on one thread, sessions one after another (as `recommend`).
        if (maxEvents > 0)
        {
            int warm = 0;
            foreach (var s in sessions.Take(20)) { using var w = recommender.StartSession(); foreach (var id in s) { w.Add(id); w.Recommend(20); warm++; } }
            var latencies = new List<double>(maxEvents);
            var total = Stopwatch.StartNew();
            foreach (var s in sessions)
            {
                if (latencies.Count >= maxEvents) break;
                using var live = recommender.StartSession();
                foreach (var id in s)
                {
                    if (latencies.Count >= maxEvents) break;
                    long t0 = Stopwatch.GetTimestamp();
                    live.Add(id);
                    live.Recommend(20);
                    latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            }
            double seconds = total.Elapsed.TotalSeconds;
            latencies.Sort();
            result["recommend_events"] = latencies.Count;
            result["recommend_events_per_s"] = latencies.Count / seconds;
            result["add_recommend_p50_ms"] = latencies[latencies.Count / 2];
            result["add_recommend_p99_ms"] = latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(latencies.Count * 0.99) - 1)];
            Console.WriteLine($"  recommend: {latencies.Count} events, {latencies.Count / seconds:F0} events/s, p50 {result["add_recommend_p50_ms"]:F3} ms, p99 {result["add_recommend_p99_ms"]:F3} ms");
        }

        // 2. Transform of session prefixes (every proper prefix of the test sessions, up to --rows rows).
        if (maxRows > 0)
        {
            var prefixes = sessions.SelectMany(s => Enumerable.Range(1, s.Length - 1).Select(n => s[..n])).Take(maxRows).Select(p => new Row { ItemId = p }).ToList();
            var data = ml.Data.LoadFromEnumerable(prefixes);
            ml.Data.CreateEnumerable<Prediction>(transformer.Transform(ml.Data.TakeRows(data, 300)), reuseRowObject: true).Count(); // warm-up
            var watch = Stopwatch.StartNew();
            int rows = ml.Data.CreateEnumerable<Prediction>(transformer.Transform(data), reuseRowObject: true).Count();
            double seconds = watch.Elapsed.TotalSeconds;
            result["transform_rows"] = rows;
            result["transform_rows_per_s"] = rows / seconds;
            Console.WriteLine($"  transform: {rows} rows, {rows / seconds:F0} rows/s");
        }

        // 3. Evaluation (Recall/MRR@20, list metrics on, default slots) of the whole test file.
        if (!a.Has("--no-eval"))
        {
            var watch = Stopwatch.StartNew();
            // --eval-threads: the bound of the scoring threads (default -1: the scorer's choice).
            int threads = int.Parse(a.Get("--eval-threads", "-1"), CultureInfo.InvariantCulture);
            var metrics = RankingEvaluator.Evaluate(model, test, new RankingEvaluatorOptions { Cutoffs = [20], MaxDegreeOfParallelism = threads });
            result["evaluation_s"] = watch.Elapsed.TotalSeconds;
            result["evaluation_predictions"] = metrics.Predictions;
            result["recall20"] = metrics.RecallAt(20);
            result["mrr20"] = metrics.MrrAt(20);
            Console.WriteLine($"  evaluation: {metrics.Predictions} predictions in {watch.Elapsed.TotalSeconds:F1} s, Recall@20 {metrics.RecallAt(20):F6}, MRR@20 {metrics.MrrAt(20):F6}");
        }

        // 4. Memory of live sessions, each with two events (process memory: managed and native).
        if (liveSessions > 0)
        {
            var ids = sessions.Where(s => s.Length >= 2).Select(s => s[..2]).ToList();
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            long before = process.WorkingSet64, managedBefore = GC.GetTotalMemory(true);
            var live = new List<RecommendationSession>(liveSessions);
            for (int i = 0; i < liveSessions; i++)
            {
                var session = recommender.StartSession();
                foreach (var id in ids[i % ids.Count]) session.Add(id);
                live.Add(session);
            }
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            process.Refresh();
            long after = process.WorkingSet64, managedAfter = GC.GetTotalMemory(true);
            double perSession = (after - before) / (double)liveSessions;
            result["live_sessions"] = liveSessions;
            result["live_sessions_bytes_per_session"] = perSession;
            result["live_sessions_managed_bytes_per_session"] = (managedAfter - managedBefore) / (double)liveSessions;
            result["live_100k_sessions_mb"] = perSession * 100_000 / (1 << 20);
            Console.WriteLine($"  live sessions: {liveSessions}, {perSession:F0} B/session (process), {(managedAfter - managedBefore) / (double)liveSessions:F0} B managed; 100k sessions = {perSession * 100_000 / (1 << 20):F0} MB");
            foreach (var s in live) s.Dispose();
        }

        result["peak_working_set_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / (double)(1 << 20);
        string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        string? path = a.Has("--json") ? a.Get("--json", "") : null;
        if (path is not null) WriteThenRename(path, p => File.WriteAllText(p, json));
        Console.WriteLine(json);
        transformer.Dispose();
        return 0;
    }

    private static SessionRecommendationTransformer Find(ITransformer model) => model switch
    {
        SessionRecommendationTransformer t => t,
        IEnumerable<ITransformer> chain => Find(chain.Last()),
        _ => throw new InvalidDataException($"{model.GetType().Name} is not a session recommendation transformer"),
    };

    private sealed class Row
    {
        public string[] ItemId { get; set; } = [];
    }

    private sealed class Prediction
    {
        public string[] PredictedItems { get; set; } = [];
        public float[] Score { get; set; } = [];
    }
}

/// <summary>
/// Trains GRU4Rec on an events file and saves the model zip that <c>inference</c> reads.
/// Usage: inference-model --train FILE --output MODEL.zip [--params "..."] [--epochs N] [--seed S]
/// </summary>
internal sealed class InferenceModelBenchmark : IBenchmark
{
    public string Name => "inference-model";

    public string Description => "train GRU4Rec (official RSC15 parameters by default) and save the model zip for `inference`";

    public int Run(string[] args)
    {
        var a = new Args(args);
        var options = Gru4RecTrainer.Options.Parse(a.Get("--params", TrainingBenchmark.Rsc15Params));
        options.NumberOfEpochs = int.Parse(a.Get("--epochs", "1"), CultureInfo.InvariantCulture);
        var data = SessionFileReader.Read(a.Get("--train", BenchData.Rsc15("train_full")));
        var ml = new MLContext(int.Parse(a.Get("--seed", "42"), CultureInfo.InvariantCulture));
        var watch = Stopwatch.StartNew();
        var model = ml.SessionRecommendation().Trainers.Gru4Rec(options).Train(data);
        Console.WriteLine($"trained {data.Items.Count} items, {data.EventCount} events in {watch.Elapsed.TotalSeconds:F1} s");
        using var transformer = new SessionRecommendationTransformer(ml, model, DefaultColumns.ItemId, topK: DefaultColumns.TopK);
        var schema = ml.Data.LoadFromEnumerable(new[] { new Row() }).Schema;
        InferenceBenchmark.WriteThenRename(a.Get("--output", "model.zip"), p => ml.Model.Save(transformer, schema, p));
        return 0;
    }

    private sealed class Row
    {
        public string[] ItemId { get; set; } = [];
    }
}
