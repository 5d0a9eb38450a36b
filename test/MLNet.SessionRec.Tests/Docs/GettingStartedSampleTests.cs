using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.Tests.Docs;

/// <summary>
/// The C# sample of docs/getting-started.md is the method between the markers below, verbatim: one test checks the
/// doc still shows exactly this code, the other runs it (one epoch instead of ten) on rsc15-100k.
/// </summary>
[TestClass]
public sealed partial class GettingStartedSampleTests
{
    // <getting-started>
    static (SessionRankingMetrics Metrics, IReadOnlyList<RecommendedItem> Top) TrainEvaluateSaveServe(string dataFolder, int epochs, string modelPath)
    {
        var mlContext = new MLContext(seed: 42);
        var loader = mlContext.Data.CreateTextLoader(
        [
            new TextLoader.Column("SessionId", DataKind.String, 0),
            new TextLoader.Column("ItemId", DataKind.String, 1),
            new TextLoader.Column("Time", DataKind.Double, 2),
        ], separatorChar: '\t', hasHeader: true);
        IDataView train = loader.Load(Path.Combine(dataFolder, "yoochoose-clicks-100k_train_full.txt"));
        IDataView test = loader.Load(Path.Combine(dataFolder, "yoochoose-clicks-100k_test.txt"));

        // GRU4Rec as an ML.NET trainer with the official RSC15 parameters (.NET names; Options.Parse takes the official ones).
        var estimator = mlContext.SessionRecommendation().Trainers.Gru4Rec(new Gru4RecTrainer.Options
        {
            Loss = Gru4RecLoss.CrossEntropy, ConstrainedEmbedding = true, LayerSizes = [100], BatchSize = 32,
            DropoutProbabilityEmbedding = 0.0, DropoutProbabilityHidden = 0.4, LearningRate = 0.2, Momentum = 0.2,
            NumberOfSamples = 2048, SampleAlpha = 0.5, LogQ = 1.0, NumberOfEpochs = epochs,
        });
        using SessionRecommendationTransformer model = estimator.Fit(train);

        // Next-item evaluation, same protocol as the app (Recall/MRR@20, conservative ties by default).
        SessionRankingMetrics metrics = mlContext.SessionRecommendation().Evaluate(model, test);
        Console.WriteLine(metrics);

        // ML.NET's model format: loads in a fresh process (mlContext.Model.Load) with identical predictions.
        mlContext.Model.Save(model, train.Schema, modelPath);

        // Serving: thread-safe recommender, one state per live session; an event costs one GRU step.
        using var recommender = SessionRecommender.Load(mlContext, modelPath);
        using var session = recommender.StartSession();
        session.Add("214716935");
        var top = session.Recommend(topK: 5);
        foreach (var item in top) Console.WriteLine($"{item.ItemId} {item.Score}");
        return (metrics, top);
    }
    // </getting-started>

    [TestMethod]
    public void DocShowsTheTestedCode() => AssertDocShows("getting-started.md", "GettingStartedSampleTests.cs", "getting-started");

    /// <summary>Asserts that a C# block of docs/<paramref name="doc"/> contains the code between the markers of this folder's <paramref name="sourceFile"/>.</summary>
    internal static void AssertDocShows(string doc, string sourceFile, string marker)
    {
        string text = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", doc));
        string source = File.ReadAllText(Path.Combine(TestData.RepoRoot, "test", "MLNet.SessionRec.Tests", "Docs", sourceFile));
        string tested = Dedent(Between(source, $"    // <{marker}>\n", $"    // </{marker}>\n"));
        var blocks = CSharpBlock().Matches(text.Replace("\r\n", "\n")).Select(m => m.Groups[1].Value).ToList();
        Assert.IsTrue(blocks.Any(b => Normalize(b).Contains(Normalize(tested), StringComparison.Ordinal)),
            $"docs/{doc} must show the code between the <{marker}> markers of {sourceFile} verbatim.");
    }

    [TestMethod]
    public void SampleRunsOnRsc15()
    {
        string zip = Path.Combine(Path.GetTempPath(), $"getting-started-{Environment.ProcessId}.zip");
        try
        {
            var (metrics, top) = TrainEvaluateSaveServe(Path.GetDirectoryName(TestData.Rsc15("train_full"))!, epochs: 1, zip);
            Assert.IsGreaterThan(0.4, metrics.At(20).Recall, "one epoch of the official setting (10 epochs: about 0.6)");
            Assert.HasCount(5, top);
            Assert.AreEqual(5, top.Select(t => t.ItemId).Distinct().Count());
            Assert.IsTrue(new FileInfo(zip).Length > 100_000, "the zip holds the weights");
        }
        finally { File.Delete(zip); }
    }

    private static string Between(string text, string start, string end)
    {
        text = text.Replace("\r\n", "\n");
        int a = text.IndexOf(start, StringComparison.Ordinal), b = text.IndexOf(end, StringComparison.Ordinal);
        Assert.IsTrue(a >= 0 && b > a, "markers not found");
        return text[(a + start.Length)..b];
    }

    private static string Dedent(string code)
    {
        var lines = code.Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static string Normalize(string code) => string.Join('\n', code.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0));

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
