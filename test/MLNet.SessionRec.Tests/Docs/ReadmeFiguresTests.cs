using MLNet.SessionRec.Tests.App;

namespace MLNet.SessionRec.Tests.Docs;

/// <summary>
/// The README's table of the default run is what the README's first command prints: the app writes that table
/// (<c>--report-markdown</c>), and this test runs the default evaluation (bundled rsc15-100k, seed 42, GRU4Rec's ten
/// epochs and the six baselines) and compares every metric column with the README. The training-time column is
/// measured, not computed, so it is not compared.
/// </summary>
[TestClass]
public sealed class ReadmeFiguresTests
{
    private const string Begin = "<!-- default-run:begin (written by --report-markdown; ReadmeFiguresTests compares it) -->";
    private const string End = "<!-- default-run:end -->";

    [TestMethod]
    public void ReadmeDefaultRunTableIsWhatTheFirstCommandPrints()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.RepoRoot, "README.md")).ReplaceLineEndings("\n");
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal), end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.IsTrue(begin >= 0 && end > begin, "README.md lacks the default-run table markers");
        var quoted = MetricRows(readme[(begin + Begin.Length)..end]);

        using var dir = new AppRunner.TempDir();
        string path = dir.File("default.md");
        AppRunner.Run("--quiet", "--report-markdown", path).AssertSuccess();
        var fresh = MetricRows(File.ReadAllText(path));

        Assert.HasCount(12, fresh, "gru4rec and eleven baselines");
        string hint = "README's default-run table differs from a fresh default run; paste the output of --report-markdown:\n" + File.ReadAllText(path);
        Assert.AreEqual(string.Join("\n", fresh.Where(r => !IsGru4Rec(r))), string.Join("\n", quoted.Where(r => !IsGru4Rec(r))), hint);
        string freshGru = fresh.Single(IsGru4Rec), quotedGru = quoted.Single(IsGru4Rec);
        if (TestData.TorchTakesAvx512Path) Assert.AreEqual(freshGru, quotedGru, hint);
        else
        {
            // libtorch's AVX2 kernels differ from the AVX-512 ones the README was made with in the last bit of a score,
            // which moves a few ranks over ten epochs: measured with ATEN_CPU_CAPABILITY=avx2, the largest difference
            // was 0.011 (coverage; Recall@20 0.0011, MRR@20 0.0032).
            var a = Metrics(freshGru);
            var b = Metrics(quotedGru);
            for (int i = 0; i < a.Length; i++) Assert.AreEqual(b[i], a[i], 0.02, hint);
        }
    }

    private static bool IsGru4Rec(string row) => row.StartsWith("gru4rec |", StringComparison.Ordinal);

    private static double[] Metrics(string row) =>
        row.Split(" | ").Skip(1).Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    // The model rows (no header) without the last (training time) column.
    private static List<string> MetricRows(string table) => table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal) && !l.StartsWith("| model |", StringComparison.Ordinal))
        .Select(l => string.Join(" | ", l.Trim('|').Split('|').Select(c => c.Trim()).SkipLast(1)))
        .ToList();
}
