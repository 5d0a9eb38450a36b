using System.Diagnostics;
using System.Text;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// Model files are untrusted input: crafted from real saved models (the rsc15-100k fixtures), each file is loaded by
/// <see cref="SessionRecommender.Load(Microsoft.ML.MLContext, string, int?, string?)"/> in a child process with a
/// private temp folder, and must be refused with a one-line error, with a peak resident memory under 300 MB above
/// what the process held before the load, and with nothing left in the temp folder.
/// </summary>
[TestClass]
public sealed class HostileModelTests
{
    private const long MaxPeakAboveBaselineKb = 300 * 1024;

    public TestContext TestContext { get; set; } = null!;

    private string WorkFolder()
    {
        string dir = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"hostile-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [TestMethod]
    [DataRow("gru4rec layers=8000", "the GRU4Rec network (layers=8000")]
    [DataRow("gru4rec layers=100000", "the GRU4Rec network (layers=100000")]
    [DataRow("gru4rec huge vocabulary", "the vocabulary's item count 2147483647 needs at least")]
    [DataRow("markov huge rule count", "the item rule table's rule count 500000000 needs at least")]
    [DataRow("top-k 8.5M", "the list length (top-k) 8500000 is outside")]
    [DataRow("top-k int.MaxValue", "the list length (top-k) 2147483647 is outside")]
    [DataRow("data after the checksummed body", "declares 260232 bytes for a body of 259192 (expected 259232); refused before extraction")]
    [DataRow("model entry + 3 GB of zeros", "declares 3221484704 bytes for a body of 259192 (expected 259232); refused before extraction")]
    [DataRow("zip bomb: an entry of 3 GB of zeros", "(more than 50:1); refused before extraction")]
    [DataRow("truncated file", "not a zip archive, or a truncated one")]
    [DataRow("not a zip", "not a zip archive, or a truncated one")]
    public void ACraftedModelIsRefusedWithBoundedMemoryAndNoTempFiles(string name, string expected)
    {
        string dir = WorkFolder(), model = Path.Combine(dir, "model.zip");
        var gru = CraftedModels.FixtureBytes("gru4rec-ce");
        switch (name)
        {
            case "gru4rec layers=8000": File.WriteAllBytes(model, WithLayers(gru, "8000")); break;
            case "gru4rec layers=100000": File.WriteAllBytes(model, WithLayers(gru, "100000")); break;
            case "gru4rec huge vocabulary":
                File.WriteAllBytes(model, CraftedModels.WithBody(gru, body =>
                {
                    int at = CraftedModels.Gru4RecParameterString(body).End; // the vocabulary's count follows the parameters
                    BitConverter.TryWriteBytes(body.AsSpan(at, 4), int.MaxValue);
                    return body;
                }));
                break;
            case "markov huge rule count":
                File.WriteAllBytes(model, CraftedModels.WithBody(CraftedModels.FixtureBytes("markov"), body =>
                {
                    int at = MarkovRuleCountOffset(body);
                    BitConverter.TryWriteBytes(body.AsSpan(at, 4), 500_000_000);
                    return body;
                }));
                break;
            case "top-k 8.5M": File.WriteAllBytes(model, CraftedModels.WithTopK(gru, 8_500_000)); break;
            case "top-k int.MaxValue": File.WriteAllBytes(model, CraftedModels.WithTopK(gru, int.MaxValue)); break;
            case "data after the checksummed body":
                File.WriteAllBytes(model, CraftedModels.Rewrite(gru, (entry, bytes) =>
                    entry.EndsWith(CraftedModels.ModelStream, StringComparison.Ordinal) ? [.. bytes, .. new byte[1000]] : bytes));
                break;
            case "model entry + 3 GB of zeros":
                CraftedModels.WriteWithZerosAppended(gru, model, 3L << 30, CraftedModels.ModelStream);
                Assert.IsLessThan(10L << 20, new FileInfo(model).Length, "the crafted zip is small");
                break;
            case "zip bomb: an entry of 3 GB of zeros":
                CraftedModels.WriteWithZerosAppended(gru, model, 3L << 30, "TrainingInfo/Version.txt");
                Assert.IsLessThan(10L << 20, new FileInfo(model).Length, "the crafted zip is small");
                break;
            case "truncated file": File.WriteAllBytes(model, gru[..(gru.Length / 2)]); break;
            case "not a zip": File.Copy(TestData.Rsc15("test"), model); break;
            default: Assert.Fail($"unknown case {name}"); break;
        }

        var result = LoadInChild(model, Path.Combine(dir, "tmp"));
        TestContext.WriteLine($"{name}: {new FileInfo(model).Length} bytes, peak {result.PeakKb} KB, {result.PeakKb - result.BaselineKb} KB above the baseline; {result.Error}");
        Assert.AreEqual("refused", result.Outcome, result.Output);
        StringAssert.StartsWith(result.Error, "InvalidDataException: Session recommendation model: ", result.Output);
        StringAssert.Contains(result.Error, expected, result.Output);
        Assert.DoesNotContain("\\n", result.Error, "one line");
        Assert.IsLessThan(MaxPeakAboveBaselineKb, result.PeakKb - result.BaselineKb, $"peak memory above the baseline (KB)\n{result.Output}");
        CollectionAssert.AreEqual(Array.Empty<string>(), result.TempLeft, "left in the temp folder");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void TheHarnessLoadsAValidModelAndSeesMLNetsTempFolderGoAgain()
    {
        // The control: the same child loads the untouched fixture, so a refusal above is the check's, not the harness's.
        string dir = WorkFolder(), model = Path.Combine(dir, "model.zip");
        File.Copy(CraftedModels.Fixture("gru4rec-ce"), model);
        var result = LoadInChild(model, Path.Combine(dir, "tmp"));
        TestContext.WriteLine($"valid gru4rec-ce: peak {result.PeakKb} KB, {result.PeakKb - result.BaselineKb} KB above the baseline");
        Assert.AreEqual("loaded", result.Outcome, result.Output);
        Assert.IsGreaterThan(0, result.BaselineKb, result.Output);
        Assert.IsGreaterThanOrEqualTo(result.BaselineKb, result.PeakKb, result.Output);
        CollectionAssert.AreEqual(Array.Empty<string>(), result.TempLeft, "left in the temp folder");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void MLNetsOwnLoadStillMeetsOurReaderChecks()
    {
        // Through mlContext.Model.Load (no zip check), the readers refuse what the zip check would have: data after
        // the checksummed body, and a network the bytes cannot hold.
        var gru = CraftedModels.FixtureBytes("gru4rec-ce");
        var padded = CraftedModels.Rewrite(gru, (entry, bytes) =>
            entry.EndsWith(CraftedModels.ModelStream, StringComparison.Ordinal) ? [.. bytes, .. new byte[1000]] : bytes);
        StringAssert.Contains(MLNetLoadError(padded), "Session recommendation model: 1000 bytes of unexpected data follow the checksummed model stream.");
        StringAssert.Contains(MLNetLoadError(WithLayers(gru, "8000")), "Session recommendation model: the GRU4Rec network (layers=8000");
        StringAssert.Contains(MLNetLoadError(CraftedModels.WithTopK(gru, 8_500_000)), "the list length (top-k) 8500000 is outside 1..");
    }

    [TestMethod]
    public void EveryFixturePassesTheZipCheckAndAZipBombDoesNot()
    {
        foreach (var name in new[] { "gru4rec-ce", "gru4rec-bprmax", "gru4rec-embed", "pop", "spop", "itemknn", "markov", "ar", "sr" })
            SessionModelFile.Check(CraftedModels.Fixture(name));
        string dir = WorkFolder(), bomb = Path.Combine(dir, "bomb.zip");
        CraftedModels.WriteWithZerosAppended(CraftedModels.FixtureBytes("pop"), bomb, 200L << 20, "Schema");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SessionModelFile.Check(bomb));
        StringAssert.Contains(e.Message, "the zip entry 'Schema' expands");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void TheAppRefusesACraftedModelInOneLine()
    {
        using var dir = new App.AppRunner.TempDir();
        string zip = dir.File("model.zip");
        File.WriteAllBytes(zip, WithLayers(CraftedModels.FixtureBytes("gru4rec-ce"), "8000"));
        var r = App.AppRunner.RunWithInput("214834865\n", "recommend", "--model", zip, "--input", "-");
        r.AssertOneLineError("the GRU4Rec network (layers=8000");
        Assert.Contains("model.zip: not a loadable session recommendation model (the GRU4Rec network", r.Err);
    }

    [TestMethod]
    public void AFailedCheckedLoadRemovesTheTempFolderMLNetLeftForANonZip()
    {
        string dir = WorkFolder(), temp = Path.Combine(dir, "tmp");
        Directory.CreateDirectory(temp);
        var ml = new Microsoft.ML.MLContext { TempFilePath = temp };
        // ML.NET's own load of a non-zip makes its folder before opening the zip and leaves it behind.
        LeaveOrphanedFolder(ml, File.ReadAllBytes(TestData.Rsc15("test")));
        Assert.ContainsSingle(Directory.GetDirectories(temp, "ml_dotnet_*"), "ML.NET's own load leaves its folder (if not, update docs/model-format.md)");
        // A zip that passes the zip check but is no ML.NET model fails inside ML.NET; the checked load then clears the orphan.
        var notAModel = CraftedModels.Rewrite(CraftedModels.FixtureBytes("pop"), (entry, bytes) => entry.EndsWith("Model.key", StringComparison.Ordinal) ? new byte[16] : bytes);
        Assert.ThrowsExactly<InvalidDataException>(() => SessionModelFile.Load(ml, new MemoryStream(notAModel), out _));
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temp), "left in the temp folder");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void AStreamThatCannotSeekIsCheckedAndLoadsToo()
    {
        // The zip check needs to seek: such a stream is buffered first, then checked like a file.
        using var good = SessionRecommender.Load(new Microsoft.ML.MLContext(), new ForwardOnlyStream(CraftedModels.FixtureBytes("pop")));
        Assert.IsNotNull(good);
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            SessionRecommender.Load(new Microsoft.ML.MLContext(), new ForwardOnlyStream(CraftedModels.WithTopK(CraftedModels.FixtureBytes("pop"), int.MaxValue))));
        StringAssert.StartsWith(e.Message, "Session recommendation model: the list length (top-k) 2147483647");
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
        public override long Length => throw new NotSupportedException();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void LeaveOrphanedFolder(Microsoft.ML.MLContext ml, byte[] notAZip)
    {
        try { ml.Model.Load(new MemoryStream(notAZip), out _); }
        catch (Exception) { return; }
        Assert.Fail("a non-zip loaded");
    }

    private static string MLNetLoadError(byte[] zip)
    {
        try { new Microsoft.ML.MLContext().Model.Load(new MemoryStream(zip), out _); }
        catch (Exception e)
        {
            var messages = new List<string>();
            for (var x = e; x != null; x = x.InnerException) messages.Add(x.Message);
            return string.Join(" | ", messages);
        }
        Assert.Fail("the crafted model loaded");
        return "";
    }

    private static byte[] WithLayers(byte[] zip, string layers) => CraftedModels.WithBody(zip, body => CraftedModels.EditGru4RecParameters(body, p =>
    {
        Assert.Contains("layers=16", p, "the fixture's parameters");
        return p.Replace("layers=16", "layers=" + layers, StringComparison.Ordinal);
    }));

    // The Markov body: registry header, vocabulary (count, then id and support per item), pruning, the rule table's
    // item count, then its rule count.
    private static int MarkovRuleCountOffset(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body));
        reader.ReadString();
        reader.ReadInt32();
        Assert.AreEqual("markov", reader.ReadString().ToLowerInvariant());
        int items = reader.ReadInt32();
        for (int i = 0; i < items; i++) { reader.ReadString(); reader.ReadInt64(); }
        reader.ReadInt32(); // pruning
        Assert.AreEqual(items, reader.ReadInt32(), "the rule table's item count");
        return (int)reader.BaseStream.Position;
    }

    private sealed record ChildResult(string Outcome, string Error, long BaselineKb, long PeakKb, string[] TempLeft, string Output);

    private static ChildResult LoadInChild(string model, string tempFolder)
    {
        Directory.CreateDirectory(tempFolder);
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
        string dll = Path.Combine(TestData.RepoRoot, "test", "MLNet.SessionRec.ModelLoadCheck", "bin", configuration, "net10.0", "MLNet.SessionRec.ModelLoadCheck.dll");
        Assert.IsTrue(File.Exists(dll), $"child process not built: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--checked-load");
        start.ArgumentList.Add(model);
        start.Environment["TMPDIR"] = tempFolder; // Path.GetTempPath(), where ML.NET extracts models
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(true); Assert.Fail("child process timed out"); }
        string output = stdout.Result + stderr.Result;
        var fields = stdout.Result.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Contains('='))
            .Select(l => (Key: l[..l.IndexOf('=')], Value: l[(l.IndexOf('=') + 1)..])).GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First().Value);
        Assert.IsTrue(fields.ContainsKey("outcome") && fields.ContainsKey("peak_kb"), $"child output:\n{output}");
        Assert.AreEqual(fields["outcome"] == "loaded" ? 0 : 3, process.ExitCode, output);
        var left = Directory.EnumerateFileSystemEntries(tempFolder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(tempFolder, p)).ToArray();
        return new(fields["outcome"], fields.GetValueOrDefault("error", ""), long.Parse(fields["baseline_kb"]), long.Parse(fields["peak_kb"]), left, output);
    }
}
