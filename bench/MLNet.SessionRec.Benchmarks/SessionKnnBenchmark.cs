using System.Diagnostics;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Benchmarks;

/// <summary>
/// The session-kNN family on rsc15-100k or nowplaying (train_full -> test, conservative ties): Recall@20, MRR@20,
/// training (indexing) time, evaluation time (the evaluator ranking all items, parallel) and the model's scoring time
/// per prediction on one thread. S-KNN and V-SKNN run with session-rec's conf/example_next.yml,
/// S-SKNN, STAN and V-STAN with session-rec's defaults (k = 100).
/// Usage: session-knn [--data rsc15|nowplaying] [--models sknn,vsknn,ssknn,stan,vstan]
/// </summary>
internal sealed class SessionKnnBenchmark : IBenchmark
{
    public string Name => "session-knn";

    public string Description => "S-KNN, V-SKNN, S-SKNN, STAN, V-STAN: Recall/MRR@20 and times on rsc15-100k or nowplaying";

    public int Run(string[] args)
    {
        var a = new Args(args);
        string data = a.Get("--data", "rsc15");
        string train = data == "nowplaying" ? NowPlaying("train_full") : BenchData.Rsc15("train_full");
        string test = data == "nowplaying" ? NowPlaying("test") : BenchData.Rsc15("test");
        var trainSet = SessionFileReader.Read(train);
        var testSet = SessionFileReader.Read(test, vocabulary: trainSet.Items);
        Console.WriteLine($"{data}: {trainSet.SessionCount} training sessions, {trainSet.EventCount} events, {trainSet.Items.Count} items; {Environment.ProcessorCount} cores");

        var models = new Dictionary<string, Func<SessionDataset, SessionNeighborhoodModel>>
        {
            ["sknn"] = t => SessionKnnModel.Train(t, SessionKnnOptions.SessionRecExample),
            ["vsknn"] = t => VectorSessionKnnModel.Train(t, VectorSessionKnnOptions.SessionRecExample),
            ["ssknn"] = t => SequentialSessionKnnModel.Train(t),
            ["stan"] = t => StanModel.Train(t),
            ["vstan"] = t => VStanModel.Train(t),
        };
        foreach (string name in a.Get("--models", string.Join(",", models.Keys)).Split(','))
        {
            var clock = Stopwatch.StartNew();
            var model = models[name](trainSet);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var metrics = new RankingEvaluator().Evaluate(model, testSet);
            double evalSeconds = clock.Elapsed.TotalSeconds;
            // The model's own cost: every prediction's scores, one thread, without the evaluator's ranking.
            clock.Restart();
            long scored = 0;
            for (int s = 0; s < testSet.SessionCount; s++)
                for (int p = 1; p < testSet.GetSessionLength(s); p++, scored++) model.ScoreItems(testSet.GetSession(s)[..p]);
            double scoreSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{name,-6} Recall@20 {metrics.RecallAt(20):F4}  MRR@20 {metrics.MrrAt(20):F4}  train {trainSeconds:F2} s  " +
                $"evaluation {evalSeconds:F1} s for {metrics.Predictions} predictions ({metrics.Predictions / evalSeconds:F0}/s); " +
                $"scoring alone {1e6 * scoreSeconds / scored:F0} µs per prediction on one thread");
        }
        return 0;
    }

    private static string NowPlaying(string part) => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(BenchData.Rsc15(part)))!, "nowplaying", $"{part}.tsv");
}
