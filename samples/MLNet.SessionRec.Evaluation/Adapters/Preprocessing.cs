using System.Globalization;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>The library's data preparation: RSC15 preprocessing and the time split.</summary>
internal static class Preprocessing
{
    /// <summary>Writes the four official RSC15 files into <paramref name="outputDir"/>; returns one summary line per file.</summary>
    public static IReadOnlyList<string> Rsc15(string input, string outputDir)
    {
        if (!File.Exists(input)) throw new UsageException($"file not found: {input}");
        var files = Rsc15Preprocessor.Run(input, outputDir);
        return [Describe(files.TrainFull), Describe(files.Test), Describe(files.TrainTr), Describe(files.TrainValid),
            string.Create(CultureInfo.InvariantCulture, $"read {files.RawEvents:N0} raw events from {input}")];
    }

    /// <summary>Splits <paramref name="input"/> by time: sessions ending (or starting) in the last <paramref name="days"/> days form the test file.</summary>
    public static IReadOnlyList<string> Split(string input, double days, string outputDir, bool bySessionStart)
    {
        if (!File.Exists(input)) throw new UsageException($"file not found: {input}");
        Directory.CreateDirectory(outputDir);
        string stem = Path.GetFileNameWithoutExtension(input);
        var (train, test) = SessionTimeSplit.SplitFile(input, null, days,
            Path.Combine(outputDir, $"{stem}_train_full.txt"), Path.Combine(outputDir, $"{stem}_test.txt"),
            bySessionStart ? SessionTimeSplitBy.SessionStart : SessionTimeSplitBy.SessionEnd);
        return [Describe(train), Describe(test)];
    }

    private static string Describe(SessionFileSummary f) => string.Create(CultureInfo.InvariantCulture,
        $"{f.Path}\t{f.Events} events\t{f.Sessions} sessions\t{f.Items} items");
}
