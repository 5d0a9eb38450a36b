using MLNet.SessionRec.EvaluationApp.Running;
using ScottPlot;

namespace MLNet.SessionRec.EvaluationApp.Reporting;

/// <summary><c>--plot</c>: per-epoch validation Recall@K / MRR@K (left axis) and training loss (right axis) of each GRU4Rec run.</summary>
internal static class TrainingPlot
{
    /// <summary>Pixel size of the picture.</summary>
    public const int Width = 1000, Height = 600;

    /// <summary>Writes the PNG; runs without epochs (baselines) are skipped.</summary>
    public static void Write(string path, IReadOnlyList<TrainedModel> runs, int cutoff, string validationLabel)
    {
        var plot = Build(runs, cutoff, validationLabel);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        // Rendered in memory, then written atomically: a failed write leaves the previous picture.
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        FileChecks.WriteAtomically(path, "plot", stream => stream.Write(png));
    }

    /// <summary>The chart itself (separate from <see cref="Write"/> so tests can inspect its axes).</summary>
    internal static Plot Build(IReadOnlyList<TrainedModel> runs, int cutoff, string validationLabel)
    {
        var withEpochs = runs.Where(r => r.Epochs.Count > 0).ToList();
        if (withEpochs.Count == 0) throw new UsageException("--plot needs a GRU4Rec run (add gru4rec to --models).");
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var run in withEpochs)
        {
            double[] epochs = run.Epochs.Select(e => (double)e.Epoch).ToArray();
            string label = withEpochs.Count > 1 ? $"{run.Name} " : "";
            if (run.Epochs.All(e => e.Recall.HasValue))
            {
                var recall = plot.Add.Scatter(epochs, run.Epochs.Select(e => e.Recall!.Value).ToArray(), palette.GetColor(colour++));
                recall.LegendText = $"{label}{validationLabel} Recall@{cutoff}";
                var mrr = plot.Add.Scatter(epochs, run.Epochs.Select(e => e.Mrr!.Value).ToArray(), palette.GetColor(colour++));
                mrr.LegendText = $"{label}{validationLabel} MRR@{cutoff}";
            }
            var loss = plot.Add.Scatter(epochs, run.Epochs.Select(e => e.Loss).ToArray(), palette.GetColor(colour++));
            loss.LegendText = $"{label}training loss";
            loss.LinePattern = LinePattern.Dashed;
            loss.Axes.YAxis = plot.Axes.Right;
        }
        plot.Title("GRU4Rec per epoch");
        plot.XLabel("epoch");
        plot.YLabel($"{validationLabel} Recall@{cutoff} / MRR@{cutoff}");
        plot.Axes.Right.Label.Text = "training loss";
        // Epochs are whole numbers: no 1.5 or 2.5 ticks.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Bottom); // outside the data area: the curves end at the right, where a corner legend would cover them
        return plot;
    }
}
