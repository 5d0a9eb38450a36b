using System.Text.Json;

namespace MLNet.SessionRec.Tests.App;

/// <summary>GRU4Rec through the app: a short run (1 epoch, small n_sample) with --plot and --report-json.</summary>
[TestClass]
public sealed class Gru4RecAppTests
{
    [TestMethod]
    public void ShortGru4RecRunWritesReportAndPlot()
    {
        using var dir = new AppRunner.TempDir();
        string json = dir.File("report.json"), png = dir.File("curves.png");
        var r = AppRunner.Run("evaluate", "--models", "gru4rec,pop", "--n-epochs", "1", "--n-sample", "64", "--layers", "32",
            "--batch-size", "64", "--seed", "7", "--report-json", json, "--plot", png);
        r.AssertSuccess();
        Assert.Contains("gru4rec epoch 1/1", r.Out);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var gru = doc.RootElement.GetProperty("models")[0];
        Assert.AreEqual("gru4rec", gru.GetProperty("model").GetString());
        var ps = gru.GetProperty("params");
        Assert.AreEqual(1, ps.GetProperty("n_epochs").GetInt32());
        Assert.AreEqual(64, ps.GetProperty("n_sample").GetInt32());
        CollectionAssert.AreEqual(new[] { 32 }, ps.GetProperty("layers").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.AreEqual("cross-entropy", ps.GetProperty("loss").GetString());
        // One short epoch already beats POP by far on this data (POP: 0.0894).
        Assert.IsGreaterThan(0.3, gru.GetProperty("metrics").GetProperty("recall@20").GetDouble());
        Assert.IsGreaterThan(0.0, gru.GetProperty("train_events_per_second").GetDouble());
        PngFile.AssertValid(png);
    }

    [TestMethod]
    public void CudaWithoutACudaBuildIsAUserError()
    {
        var r = AppRunner.Run("evaluate", "--models", "gru4rec", "--device", "cuda", "--n-epochs", "1");
        Assert.AreNotEqual(0, r.ExitCode);
        Assert.HasCount(1, r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), r.Err);
        Assert.DoesNotContain("   at ", r.Err);
    }
}
