namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>The library's data preparation: RSC15 preprocessing and the time split.</summary>
internal static class Preprocessing
{
    /// <summary>Writes the four official RSC15 files into <paramref name="outputDir"/>; returns one summary line per file.</summary>
    public static IReadOnlyList<string> Rsc15(string input, string outputDir)
    {
        if (!File.Exists(input)) throw new UsageException($"file not found: {input}");
        throw new UsageException("preprocess rsc15 is not available in this build yet.");
    }

    /// <summary>Splits <paramref name="input"/> by time: sessions ending (or starting) in the last <paramref name="days"/> days form the test file.</summary>
    public static IReadOnlyList<string> Split(string input, double days, string outputDir, bool bySessionStart)
    {
        if (!File.Exists(input)) throw new UsageException($"file not found: {input}");
        throw new UsageException("split is not available in this build yet.");
    }
}
