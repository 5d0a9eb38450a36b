using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// GRU4Rec evaluation (Recall/MRR/NDCG, coverage and popularity at 5, 10, 20; 512 slots) of a saved model on a test
/// file through the two CPU paths of the current code, one after the other in one process: the quantized index
/// screening the catalog (the default) and the fused float pass over every item (UseQuantizedIndex = false). Prints
/// both times and their ratio, and fails when any metric differs.
/// Usage: evaluation-paths --model MODEL.zip --test FILE [--threads T] [--json PATH]
/// </summary>
internal sealed class EvaluationPathsBenchmark : IBenchmark
{
    public string Name => "evaluation-paths";

    public string Description => "evaluation seconds of a GRU4Rec model zip: quantized index vs the fused float pass, same metrics";

    public int Run(string[] args)
    {
        var a = new Args(args);
        string modelPath = a.Get("--model", "");
        string testPath = a.Get("--test", "");
        int threads = int.Parse(a.Get("--threads", "-1"), CultureInfo.InvariantCulture);
        using var recommender = SessionRecommender.Load(modelPath);
        if (recommender.Model is not Gru4RecModel model)
        {
            Console.Error.WriteLine($"{modelPath} is a {recommender.Model.Name} model, not GRU4Rec.");
            return 1;
        }
        var test = SessionFileReader.Read(testPath, null, model.Items);
        var options = new RankingEvaluatorOptions { Cutoffs = [5, 10, 20], MaxDegreeOfParallelism = threads };
        RankingEvaluator.Evaluate(model, test, options); // warm-up: builds the index and the kernel, JIT
        var watch = Stopwatch.StartNew();
        var indexed = RankingEvaluator.Evaluate(model, test, options);
        double indexSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var fused = RankingEvaluator.Evaluate(new FusedPassOnly(model), test, options);
        double fusedSeconds = watch.Elapsed.TotalSeconds;
        bool same = indexed.Predictions == fused.Predictions && indexed.Cutoffs.SequenceEqual(fused.Cutoffs);
        var result = new Dictionary<string, object?>
        {
            ["model"] = Path.GetFileName(modelPath),
            ["items"] = model.Items.Count,
            ["predictions"] = indexed.Predictions,
            ["index_s"] = indexSeconds,
            ["fused_pass_s"] = fusedSeconds,
            ["speedup"] = fusedSeconds / indexSeconds,
            ["recall20"] = indexed.RecallAt(20),
            ["mrr20"] = indexed.MrrAt(20),
            ["identical_metrics"] = same,
        };
        Console.WriteLine($"{Path.GetFileName(modelPath)}: {indexed.Predictions} predictions, index {indexSeconds:F2} s, fused pass {fusedSeconds:F2} s ({fusedSeconds / indexSeconds:F2}x), Recall@20 {indexed.RecallAt(20):F6}, MRR@20 {indexed.MrrAt(20):F6}, metrics {(same ? "identical" : "DIFFER")}");
        string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        string? jsonPath = a.Get("--json", "") is { Length: > 0 } p ? p : null;
        if (jsonPath != null) InferenceBenchmark.WriteThenRename(jsonPath, temp => File.WriteAllText(temp, json));
        return same ? 0 : 1;
    }

    // The same model with its scorers on the fused float pass only.
    private sealed class FusedPassOnly(Gru4RecModel model) : ISessionModel
    {
        public string Name => model.Name;
        public ItemVocabulary Items => model.Items;
        public ISessionScorer CreateScorer(int slots)
        {
            var scorer = model.CreateScorer(slots);
            scorer.UseQuantizedIndex = false;
            return scorer;
        }
    }
}
