using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SessionRec.ModelLoadCheck;

internal static class Evaluation
{
    public static void Print(MLContext ml, ITransformer model, string testEvents)
    {
        var loader = ml.Data.CreateTextLoader(new[]
        {
            new TextLoader.Column("SessionId", DataKind.String, 0),
            new TextLoader.Column("ItemId", DataKind.String, 1),
            new TextLoader.Column("Time", DataKind.Double, 2),
        }, separatorChar: '\t', hasHeader: true);
        var metrics = ml.SessionRecommendation().Evaluate(model, loader.Load(testEvents));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Recall@20={metrics.RecallAt(20):R} MRR@20={metrics.MrrAt(20):R}"));
    }
}
