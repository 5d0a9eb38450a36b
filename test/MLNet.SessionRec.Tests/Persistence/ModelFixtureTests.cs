using System.Globalization;
using Microsoft.ML;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// Models saved by an earlier release keep loading and predicting identically: each checked-in model zip
/// (Fixtures/models/&lt;name&gt;-v1.zip, written by <see cref="ModelFixtureWriter"/>) is loaded with
/// <c>mlContext.Model.Load</c> and with <see cref="SessionRecommender.Load(string, int?)"/>, and its streaming top-20
/// for every session prefix of expected-&lt;name&gt;.tsv must have the same item ids and bit-identical scores.
/// The fixtures were written on an x86-64 CPU with AVX-512. GRU4Rec's scores come from libtorch's CPU kernels, whose
/// vector code differs by instruction set in the last bit (ATEN_CPU_CAPABILITY=avx2 changes some scores by one ulp):
/// where libtorch cannot take the AVX-512 path, GRU4Rec's scores are compared within 1e-5 (relative) instead,
/// item ids still exactly. The baselines' scores are stored values and counts: bit-identical everywhere.
/// </summary>
[TestClass]
public sealed class ModelFixtureTests
{
    /// <summary>The checked-in fixtures (file stems); every one must have its zip and its expected lists.</summary>
    internal static readonly string[] Names = ["gru4rec-ce", "gru4rec-bprmax", "gru4rec-embed", "pop", "spop", "itemknn", "markov", "ar", "sr"];

    internal const string Version = "v1";

    internal static string Folder => Path.Combine(TestData.RepoRoot, "test", "MLNet.SessionRec.Tests", "Fixtures", "models");

    internal static string ZipPath(string name) => Path.Combine(Folder, $"{name}-{Version}.zip");

    internal static string ExpectedPath(string name) => Path.Combine(Folder, $"expected-{name}.tsv");

    /// <summary>One expected row: the session prefix and its top-k ids and scores, best first.</summary>
    internal sealed record Row(string[] Prefix, string[] Items, float[] Scores);

    internal const string Header = "prefix\titems\tscores";

    /// <summary>A row as a line: the three fields space-separated, scores in round-trip format.</summary>
    internal static string Format(string[] prefix, IReadOnlyList<RecommendedItem> top) =>
        string.Join(' ', prefix) + "\t" + string.Join(' ', top.Select(r => r.ItemId)) + "\t" +
        string.Join(' ', top.Select(r => r.Score.ToString("R", CultureInfo.InvariantCulture)));

    internal static List<Row> ReadExpected(string name)
    {
        var lines = File.ReadAllLines(ExpectedPath(name));
        Assert.AreEqual(Header, lines[0], $"expected-{name}.tsv header");
        return lines.Skip(1).Select(l =>
        {
            var f = l.Split('\t');
            Assert.HasCount(3, f, $"expected-{name}.tsv line '{l}'");
            string[] Split(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new Row(Split(f[0]), Split(f[1]), Split(f[2]).Select(s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray());
        }).ToList();
    }

    public TestContext TestContext { get; set; } = null!;

    /// <summary>Whether libtorch computes as where the fixtures were written: AVX-512, no override of its kernel choice.</summary>
    private static bool SameTorchKernels => TestData.TorchTakesAvx512Path;

    [TestMethod]
    public void EveryFixtureHasItsZipAndExpectedLists()
    {
        var files = Directory.GetFiles(Folder).Select(Path.GetFileName).Where(f => f!.EndsWith(".zip", StringComparison.Ordinal) || f.EndsWith(".tsv", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var expected = Names.SelectMany(n => new[] { $"{n}-{Version}.zip", $"expected-{n}.tsv" }).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(expected, files);
    }

    [TestMethod]
    [DataRow("gru4rec-ce")]
    [DataRow("gru4rec-bprmax")]
    [DataRow("gru4rec-embed")]
    [DataRow("pop")]
    [DataRow("spop")]
    [DataRow("itemknn")]
    [DataRow("markov")]
    [DataRow("ar")]
    [DataRow("sr")]
    public void SavedModelLoadsAndPredictsIdentically(string name)
    {
        var expected = ReadExpected(name);
        bool exact = !name.StartsWith("gru4rec", StringComparison.Ordinal) || SameTorchKernels;
        if (!exact) TestContext.WriteLine("This CPU does not take libtorch's AVX-512 path: GRU4Rec scores are compared within 1e-5 (relative).");
        Assert.IsGreaterThanOrEqualTo(40, expected.Count, $"expected-{name}.tsv rows");
        Assert.IsTrue(expected.Any(r => r.Prefix.Length == 0), "the empty prefix is among the rows");

        // mlContext.Model.Load: the loaded transformer's streaming recommender.
        var ml = new MLContext(seed: 0);
        var loaded = ml.Model.Load(ZipPath(name), out var inputSchema);
        Assert.IsTrue(inputSchema.GetColumnOrNull(DefaultColumns.ItemId).HasValue, "the saved input schema has the ItemId column");
        var transformer = Find(loaded);
        try
        {
            Assert.AreEqual(20, transformer.TopK);
            using var recommender = transformer.CreateRecommender();
            AssertSame(name + " (Model.Load)", expected, recommender, exact);
        }
        finally
        {
            transformer.Dispose();
        }

        // SessionRecommender.Load: the serving entry point.
        using var served = SessionRecommender.Load(ZipPath(name));
        AssertSame(name + " (SessionRecommender.Load)", expected, served, exact);
    }

    private static SessionRecommendationTransformer Find(ITransformer model) => model switch
    {
        SessionRecommendationTransformer t => t,
        IEnumerable<ITransformer> chain => Find(chain.Last()),
        _ => throw new AssertFailedException($"the loaded model is a {model.GetType().Name}, not a session recommendation transformer"),
    };

    private static void AssertSame(string what, List<Row> expected, SessionRecommender recommender, bool exact)
    {
        foreach (var (row, line) in expected.Select((r, i) => (r, i + 2)))
        {
            var top = recommender.Recommend(row.Prefix, 20);
            string where = $"{what}, line {line} (prefix '{string.Join(' ', row.Prefix)}')";
            CollectionAssert.AreEqual(row.Items, top.Select(r => r.ItemId).ToArray(), $"{where}: items");
            for (int j = 0; j < top.Count; j++)
            {
                string message = $"{where}: score {j} expected {row.Scores[j]:R}, got {top[j].Score:R}";
                if (exact) Assert.AreEqual(BitConverter.SingleToInt32Bits(row.Scores[j]), BitConverter.SingleToInt32Bits(top[j].Score), message);
                else Assert.AreEqual(row.Scores[j], top[j].Score, 1e-5f * Math.Max(1f, Math.Abs(row.Scores[j])), message);
            }
        }
    }
}
