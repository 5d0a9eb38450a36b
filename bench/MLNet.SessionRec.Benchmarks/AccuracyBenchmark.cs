using Microsoft.ML;
using System.Globalization;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// GRU4Rec accuracy on rsc15-100k (train_full -> test, conservative ties): trains with each seed and reports
/// Recall@K / MRR@K per seed and their mean, for the cross-entropy row (official RSC15 parameters) or the bpr-max row.
/// Usage: gru4rec-accuracy [--row xe|bprmax] [--params "..."] [--epochs N] [--seeds 1,2,3] [--threads T]
/// </summary>
internal sealed class AccuracyBenchmark : IBenchmark
{
    public const string BprMaxParams = "loss=bpr-max,constrained_embedding=True,embedding=0,elu_param=0.5,layers=100,n_epochs=10,batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.0,learning_rate=0.2,momentum=0.1,n_sample=2048,sample_alpha=0.0,bpreg=0.5,logq=0.0";

    public string Name => "gru4rec-accuracy";

    public string Description => "GRU4Rec Recall/MRR on rsc15-100k, mean over seeds (xe or bpr-max row)";

    public int Run(string[] args)
    {
        var a = new Args(args);
        string row = a.Get("--row", "xe");
        var options = Gru4RecTrainer.Options.Parse(a.Get("--params", row == "bprmax" ? BprMaxParams : TrainingBenchmark.Rsc15Params));
        if (a.Has("--epochs")) options.NumberOfEpochs = int.Parse(a.Get("--epochs", "10"), CultureInfo.InvariantCulture);
        int[] seeds = a.Get("--seeds", "1,2,3").Split(',').Select(int.Parse).ToArray();
        int[] cutoffs = [1, 5, 10, 20];
        int? threads = a.Has("--threads") ? int.Parse(a.Get("--threads", "1")) : null;
        var train = SessionFileReader.Read(a.Get("--train", BenchData.Rsc15("train_full")));
        var test = SessionFileReader.Read(a.Get("--test", BenchData.Rsc15("test")), vocabulary: train.Items);
        Console.WriteLine($"params: {options}");
        var results = new List<IReadOnlyList<Gru4RecValidationMetric>>();
        foreach (int seed in seeds)
        {
            var reports = new List<Gru4RecEpochReport>();
            bool verbose = a.Has("--verbose");
            options.NumberOfThreads = threads;
            options.OnEpoch = report => { reports.Add(report); if (verbose) Console.WriteLine(report); };
            using var model = new MLContext(seed).SessionRecommendation().Trainers.Gru4Rec(options).Train(train);
            var full = RankingEvaluator.Evaluate(model, test, new RankingEvaluatorOptions { Cutoffs = cutoffs, Ties = TieHandling.Conservative });
            var m = full.Cutoffs.Select(c => new Gru4RecValidationMetric(c.Cutoff, c.Recall, c.Mrr)).ToArray();
            results.Add(m);
            Console.WriteLine($"seed {seed}: " + Format(m) + $"  (train {reports.Sum(r => r.Seconds):F0} s, last loss {reports[^1].Loss:F4})");
        }
        var mean = cutoffs.Select((c, i) => new Gru4RecValidationMetric(c, results.Average(r => r[i].Recall), results.Average(r => r[i].Mrr))).ToArray();
        Console.WriteLine($"RESULT {row} mean of {seeds.Length} seeds: " + Format(mean));
        return 0;
    }

    private static string Format(IReadOnlyList<Gru4RecValidationMetric> m) =>
        string.Join("  ", m.Select(x => $"R@{x.Cutoff} {x.Recall:F4}")) + $"  MRR@20 {m.First(x => x.Cutoff == 20).Mrr:F4}";
}
