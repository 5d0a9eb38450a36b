using System.Globalization;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>The library's data preparation: RSC15 preprocessing and the time split.</summary>
internal static class Preprocessing
{
    /// <summary>Writes the four official RSC15 files into <paramref name="outputDir"/>; returns one summary line per file.</summary>
    public static IReadOnlyList<string> Rsc15(string input, string outputDir)
    {
        FileChecks.Input("--input", input);
        if (File.Exists(outputDir)) throw new UsageException($"--output: {outputDir} is a file, not a directory.");
        Directory.CreateDirectory(outputDir);
        string[] parts = ["train_full", "test", "train_tr", "train_valid"];
        FileChecks.Outputs([("--input", input)], parts.Select(p => ("--output", (string?)Path.Combine(outputDir, $"rsc15_{p}.txt"))));
        var files = Written(outputDir, () => Rsc15Preprocessor.Run(input, outputDir));
        return [Describe(files.TrainFull), Describe(files.Test), Describe(files.TrainTr), Describe(files.TrainValid),
            string.Create(CultureInfo.InvariantCulture, $"read {files.RawEvents:N0} raw events from {input}")];
    }

    /// <summary>Splits <paramref name="input"/> by time: sessions ending (or starting) in the last <paramref name="days"/> days form the test file.</summary>
    public static IReadOnlyList<string> Split(string input, double days, string outputDir, bool bySessionStart)
    {
        FileChecks.Input("--input", input);
        if (File.Exists(outputDir)) throw new UsageException($"--output: {outputDir} is a file, not a directory.");
        Directory.CreateDirectory(outputDir);
        string stem = Path.GetFileNameWithoutExtension(input);
        string trainPath = Path.Combine(outputDir, $"{stem}_train_full.txt"), testPath = Path.Combine(outputDir, $"{stem}_test.txt");
        FileChecks.Outputs([("--input", input)], [("--output", trainPath), ("--output", testPath)]);
        var (train, test) = Written(outputDir, () => SessionTimeSplit.SplitFile(input, null, days, trainPath, testPath,
            bySessionStart ? SessionTimeSplitBy.SessionStart : SessionTimeSplitBy.SessionEnd));
        return [Describe(train), Describe(test)];
    }

    // Each output file is written atomically by the library; a failed write is one line naming the folder.
    private static T Written<T>(string outputDir, Func<T> run)
    {
        try { return run(); }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException and not FileNotFoundException) || FileChecks.IsFileSystemLimit(e))
        {
            throw new UsageException($"--output {outputDir}: a file could not be written ({FileChecks.Reason(e)}); files written before are complete, the others unchanged.");
        }
    }

    private static string Describe(SessionFileSummary f) => string.Create(CultureInfo.InvariantCulture,
        $"{f.Path}\t{f.Events} events\t{f.Sessions} sessions\t{f.Items} items");
}
