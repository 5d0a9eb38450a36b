using MLNet.SessionRec.EvaluationApp;
using MLNet.SessionRec.EvaluationApp.Reporting;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.Tests.App;

/// <summary>The --plot picture: a valid PNG of the documented size, and a clear error when there is nothing to plot.</summary>
[TestClass]
public sealed class TrainingPlotTests
{
    [TestMethod]
    public void WritesAPngOfTheDocumentedSize()
    {
        using var dir = new AppRunner.TempDir();
        EpochRecord[] epochs = [new(1, 6.1, 10, 3000, 0.55, 0.28), new(2, 5.7, 10, 3100, 0.61, 0.31), new(3, 5.5, 10, 3050, 0.63, 0.33)];
        var run = new TrainedModel("gru4rec", null!, 30, 3000, new Dictionary<string, object>(), epochs);
        string path = dir.File("plots/curves.png");
        TrainingPlot.Write(path, [run], 20, "validation");
        var (width, height) = PngFile.AssertValid(path);
        Assert.AreEqual(TrainingPlot.Width, width);
        Assert.AreEqual(TrainingPlot.Height, height);
    }

    [TestMethod]
    public void EpochAxisShowsOnlyWholeEpochs()
    {
        EpochRecord[] epochs = [new(1, 6.1, 10, 3000, 0.55, 0.28), new(2, 5.7, 10, 3100, 0.61, 0.31), new(3, 5.5, 10, 3050, 0.63, 0.33)];
        var run = new TrainedModel("gru4rec", null!, 30, 3000, new Dictionary<string, object>(), epochs);
        var plot = TrainingPlot.Build([run], 20, "validation");
        plot.GetImage(TrainingPlot.Width, TrainingPlot.Height).Dispose(); // ticks are generated when the chart is drawn
        double[] ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Position).ToArray();
        Assert.IsGreaterThanOrEqualTo(2, ticks.Length, "the epoch axis needs labelled ticks");
        foreach (double t in ticks) Assert.AreEqual(Math.Round(t), t, 1e-9, $"epoch tick at {t}: epochs are whole numbers ({string.Join(", ", ticks)})");
    }

    [TestMethod]
    public void RefusesARunWithoutEpochs()
    {
        var run = new TrainedModel("pop", null!, 0, 0, new Dictionary<string, object>(), []);
        using var dir = new AppRunner.TempDir();
        var e = Assert.ThrowsExactly<UsageException>(() => TrainingPlot.Write(dir.File("x.png"), [run], 20, "test"));
        Assert.Contains("gru4rec", e.Message);
    }
}
