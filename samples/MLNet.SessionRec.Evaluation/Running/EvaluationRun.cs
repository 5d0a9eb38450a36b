using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Adapters;
using MLNet.SessionRec.EvaluationApp.Reporting;
using Spectre.Console;

namespace MLNet.SessionRec.EvaluationApp.Running;

/// <summary>What <c>evaluate</c> was asked to do.</summary>
internal sealed record EvaluationSettings(
    string TrainPath,
    string TestPath,
    string? ValidationPath,
    IReadOnlyList<string> Models,
    int[] Cutoffs,
    TieMode Ties,
    int Seed,
    string Device,
    Parameters.Gru4RecArguments Gru4Rec,
    bool Quiet,
    string? ReportJson,
    string? ReportMarkdown,
    string? Plot,
    string? CheckpointDirectory = null,
    bool Resume = false);

/// <summary>The <c>evaluate</c> command: load, train every model, evaluate it, report.</summary>
internal static class EvaluationRun
{
    /// <summary>Runs the evaluation and writes the table, the JSON report and the plot.</summary>
    public static int Execute(EvaluationSettings settings, AppOutput output, CancellationToken cancellation)
    {
        var console = output.CreateConsole();
        var train = DataFiles.ReadEvents(settings.TrainPath, null);
        var test = DataFiles.ReadEvents(settings.TestPath, train.Items);
        var validation = settings.ValidationPath != null ? DataFiles.ReadEvents(settings.ValidationPath, train.Items) : null;
        // The plot wants per-epoch accuracy; without a validation file the test file serves (it is only watched, never used to choose).
        string validationLabel = validation != null ? "validation" : "test";
        if (validation == null && settings.Plot != null) validation = test;
        var data = new DatasetSummary(settings.TrainPath, settings.TestPath, train.EventCount, train.SessionCount, train.Items.Count, test.EventCount);
        if (!settings.Quiet)
            console.MarkupLine(Markup.Escape(
                $"train {UserText.Escape(Path.GetFileName(settings.TrainPath))}: {train.EventCount:N0} events, {train.SessionCount:N0} sessions, {train.Items.Count:N0} items; " +
                $"test {UserText.Escape(Path.GetFileName(settings.TestPath))}: {test.EventCount:N0} events, {test.SessionCount:N0} sessions"));

        var request = new TrainingRequest(train, validation, validationLabel, settings.Cutoffs, settings.Gru4Rec, settings.Seed, settings.Device, settings.Ties,
            settings.CheckpointDirectory, settings.Resume);
        var results = ProgressView.For(console, output.Error, settings.Quiet).Run(progress =>
        {
            var rows = new List<ModelResult>();
            foreach (string name in settings.Models)
            {
                cancellation.ThrowIfCancellationRequested();
                var trained = ModelFactory.Train(name, request, progress, cancellation);
                progress.BeginEvaluation(name);
                var evaluation = MetricsEvaluator.Evaluate(trained.Model, test, settings.Cutoffs, settings.Ties);
                var row = new ModelResult(trained, evaluation);
                progress.EndModel(row);
                rows.Add(row);
                (trained.Model as IDisposable)?.Dispose();
            }
            return rows;
        });

        if (settings.Quiet) ResultTable.WriteTsv(output.Out, results, settings.Cutoffs);
        else ResultTable.Write(console, results, settings.Cutoffs, settings.Ties, data);
        if (settings.ReportJson != null)
        {
            JsonReport.Write(settings.ReportJson, results, settings.Cutoffs, settings.Ties, data);
            if (!settings.Quiet) console.MarkupLine(Markup.Escape($"report: {UserText.Escape(settings.ReportJson)}"));
        }
        if (settings.ReportMarkdown != null)
        {
            string markdown = ResultTable.Markdown(results, settings.Cutoffs);
            FileChecks.WriteAtomically(settings.ReportMarkdown, "markdown report", stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(markdown)));
            if (!settings.Quiet) console.MarkupLine(Markup.Escape($"markdown: {UserText.Escape(settings.ReportMarkdown)}"));
        }
        if (settings.Plot != null)
        {
            TrainingPlot.Write(settings.Plot, results.Select(r => r.Trained).ToList(), settings.Cutoffs.Max(), validationLabel);
            if (!settings.Quiet) console.MarkupLine(Markup.Escape($"plot: {UserText.Escape(settings.Plot)}"));
        }
        return 0;
    }
}
