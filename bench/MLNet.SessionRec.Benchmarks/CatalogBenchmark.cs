using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// A synthetic catalog of millions of items end to end: train GRU4Rec one epoch, evaluate, save the model zip, load it
/// and recommend, with the time of each phase and the process's peak memory. Sessions of 4–12 events; every item
/// occurs at least once (so the vocabulary has all of them), popular items far more often (Zipf-like).
/// Usage: catalog [--items 2000000] [--events-per-item 2] [--batch 256] [--test-sessions 300] [--json PATH] [--keep DIR]
/// </summary>
internal sealed class CatalogBenchmark : IBenchmark
{
    public string Name => "catalog";

    public string Description => "synthetic catalog (default 2,000,000 items): train 1 epoch, evaluate, save, load, recommend; peak RSS";

    public int Run(string[] args)
    {
        var a = new Args(args);
        int items = int.Parse(a.Get("--items", "2000000"), CultureInfo.InvariantCulture);
        double perItem = double.Parse(a.Get("--events-per-item", "2"), CultureInfo.InvariantCulture);
        int batch = int.Parse(a.Get("--batch", "256"), CultureInfo.InvariantCulture);
        int testSessions = int.Parse(a.Get("--test-sessions", "300"), CultureInfo.InvariantCulture);
        var result = new Dictionary<string, object?> { ["items"] = items };
        var total = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();
        void Done(string name)
        {
            var p = Process.GetCurrentProcess();
            p.Refresh();
            result[name + "_s"] = phase.Elapsed.TotalSeconds;
            result[name + "_peak_rss_mb"] = p.PeakWorkingSet64 / (double)(1 << 20);
            Console.WriteLine($"{name}: {phase.Elapsed.TotalSeconds:F1} s, RSS {p.WorkingSet64 >> 20} MB, peak {p.PeakWorkingSet64 >> 20} MB");
            phase.Restart();
        }

        // Data: a random walk over a shuffled catalog, each item once, plus Zipf-distributed extra events.
        var rand = new Random(7);
        var train = new SessionDatasetBuilder();
        var test = new List<string[]>();
        long target = (long)(items * perItem);
        var order = Enumerable.Range(0, items).ToArray();
        rand.Shuffle(order);
        int next = 0;
        long events = 0;
        int session = 0;
        double time = 0;
        while (events < target || next < items)
        {
            int length = rand.Next(4, 13);
            string sid = session++.ToString(CultureInfo.InvariantCulture);
            for (int e = 0; e < length; e++, events++)
            {
                int item = next < items && (rand.NextDouble() < 0.5 || events >= target) ? order[next++] : Zipf(rand, items);
                train.Add(sid, "i" + item.ToString(CultureInfo.InvariantCulture), time++);
            }
        }
        for (int s = 0; s < testSessions; s++)
            test.Add(Enumerable.Range(0, rand.Next(4, 9)).Select(_ => "i" + Zipf(rand, items).ToString(CultureInfo.InvariantCulture)).ToArray());
        var data = train.Build();
        result["train_events"] = data.EventCount;
        result["train_sessions"] = data.SessionCount;
        result["vocabulary"] = data.Items.Count;
        Console.WriteLine($"data: {data.EventCount} events, {data.SessionCount} sessions, {data.Items.Count} items");
        Done("data");

        var options = Gru4RecTrainer.Options.Parse(TrainingBenchmark.Rsc15Params);
        options.NumberOfEpochs = 1;
        options.BatchSize = batch;
        var ml = new MLContext(seed: 1);
        var model = ml.SessionRecommendation().Trainers.Gru4Rec(options).Train(data);
        Done("train");

        var testBuilder = new SessionDatasetBuilder(model.Items);
        for (int s = 0; s < test.Count; s++) foreach (var (id, e) in test[s].Select((id, e) => (id, e))) testBuilder.Add("t" + s, id, e);
        var testData = testBuilder.Build();
        var metrics = RankingEvaluator.Evaluate(model, testData, new RankingEvaluatorOptions { Cutoffs = [20] });
        result["evaluation_predictions"] = metrics.Predictions;
        result["recall20"] = metrics.RecallAt(20);
        Console.WriteLine($"evaluation: {metrics.Predictions} predictions, Recall@20 {metrics.RecallAt(20):F4}");
        Done("evaluate");

        string dir = a.Has("--keep") ? a.Get("--keep", ".") : Path.Combine(Path.GetTempPath(), "sessionrec-catalog-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string zip = Path.Combine(dir, "catalog.zip");
        using (var transformer = new SessionRecommendationTransformer(ml, model, DefaultColumns.ItemId, topK: DefaultColumns.TopK))
            ml.Model.Save(transformer, ml.Data.LoadFromEnumerable(new[] { new Row() }).Schema, zip);
        result["model_zip_mb"] = new FileInfo(zip).Length / (double)(1 << 20);
        model.Dispose();
        GC.Collect();
        Done("save");

        using var recommender = SessionRecommender.Load(zip);
        Done("load");

        var latencies = new List<double>();
        foreach (var s in test.Take(100))
        {
            using var live = recommender.StartSession();
            foreach (var id in s)
            {
                long t0 = Stopwatch.GetTimestamp();
                live.Add(id);
                live.Recommend(20);
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        latencies.Sort();
        result["add_recommend_p50_ms"] = latencies[latencies.Count / 2];
        result["add_recommend_p99_ms"] = latencies[(int)Math.Ceiling(latencies.Count * 0.99) - 1];
        Console.WriteLine($"recommend: {latencies.Count} events, p50 {latencies[latencies.Count / 2]:F1} ms");
        Done("recommend");
        if (!a.Has("--keep")) Directory.Delete(dir, recursive: true);
        result["total_s"] = total.Elapsed.TotalSeconds;
        result["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / (double)(1 << 20);
        string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        if (a.Has("--json")) AtomicFile.WriteAllText(a.Get("--json", ""), json);
        Console.WriteLine(json);
        return 0;
    }

    // Zipf-like item: index = n^u - 1 for u uniform in [0,1), so low indices are far more frequent.
    private static int Zipf(Random rand, int n) => Math.Min(n - 1, (int)Math.Pow(n, rand.NextDouble()) - 1);

    private sealed class Row
    {
        public string[] ItemId { get; set; } = [];
    }
}
