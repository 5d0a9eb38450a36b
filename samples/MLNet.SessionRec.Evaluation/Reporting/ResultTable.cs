using System.Globalization;
using MLNet.SessionRec.EvaluationApp.Running;
using Spectre.Console;

namespace MLNet.SessionRec.EvaluationApp.Reporting;

/// <summary>The comparison table: Recall at every cut-off, MRR and coverage at the largest, training time.</summary>
internal static class ResultTable
{
    /// <summary>Column headers, shared by the rich table and the TSV of <c>--quiet</c>.</summary>
    public static string[] Headers(int[] cutoffs)
    {
        int k = cutoffs.Max();
        return ["model", .. cutoffs.Select(c => $"Recall@{c}"), $"MRR@{k}", $"Coverage@{k}", "train s", "events/s"];
    }

    /// <summary>The cells of one model's row.</summary>
    public static string[] Cells(ModelResult r, int[] cutoffs)
    {
        int k = cutoffs.Max();
        var m = r.Evaluation.ByCutoff;
        return
        [
            r.Trained.Name,
            .. cutoffs.Select(c => F4(m[c].Recall)),
            F4(m[k].Mrr),
            F4(m[k].Coverage),
            r.Trained.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture),
            // Training throughput is GRU4Rec's figure (events per second over its epochs); the baselines count
            // co-occurrences in one pass that takes milliseconds, where a rate would be noise.
            r.Trained.Epochs.Count > 0 ? r.Trained.TrainEventsPerSecond.ToString("N0", CultureInfo.InvariantCulture) : "-",
        ];
    }

    /// <summary>Renders the table with a caption that states the tie mode and the data.</summary>
    public static void Write(IAnsiConsole console, IReadOnlyList<ModelResult> results, int[] cutoffs, TieMode ties, DatasetSummary data)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Next-item evaluation[/]");
        var headers = Headers(cutoffs);
        table.AddColumn(new TableColumn(headers[0]));
        foreach (var h in headers.Skip(1)) table.AddColumn(new TableColumn(h).RightAligned());
        int best = BestRow(results, cutoffs.Max());
        for (int i = 0; i < results.Count; i++)
        {
            var cells = Cells(results[i], cutoffs).Select(Markup.Escape);
            table.AddRow(cells.Select(c => i == best ? $"[bold green]{c}[/]" : c).ToArray());
        }
        long predictions = results.Count > 0 ? results[0].Evaluation.Predictions : 0;
        long dropped = results.Count > 0 ? results[0].Evaluation.DroppedUnknown : 0;
        console.Write(table);
        console.MarkupLine(Markup.Escape(
            $"ties: {ties.ToString().ToLowerInvariant()}; {predictions:N0} predictions on {Path.GetFileName(data.TestPath)} " +
            $"({dropped:N0} test events of unknown items dropped)"));
        console.MarkupLine(Markup.Escape(
            $"trained on {Path.GetFileName(data.TrainPath)}: {data.TrainEvents:N0} events, {data.TrainSessions:N0} sessions, {data.Items:N0} items"));
    }

    /// <summary>Tab-separated table for scripts (<c>--quiet</c>).</summary>
    public static void WriteTsv(TextWriter output, IReadOnlyList<ModelResult> results, int[] cutoffs)
    {
        output.WriteLine(string.Join('\t', Headers(cutoffs)));
        foreach (var r in results) output.WriteLine(string.Join('\t', Cells(r, cutoffs).Select(c => c.Replace(",", ""))));
    }

    /// <summary>
    /// The table in Markdown, as README.md quotes it: the metrics, then the training time (and GRU4Rec's events/s).
    /// A test compares the README's metric columns with a fresh run of the README's first command.
    /// </summary>
    public static string Markdown(IReadOnlyList<ModelResult> results, int[] cutoffs)
    {
        int k = cutoffs.Max();
        var sb = new System.Text.StringBuilder();
        string[] headers = ["model", .. cutoffs.Select(c => $"Recall@{c}"), $"MRR@{k}", $"Coverage@{k}", "training"];
        sb.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        sb.Append('|').AppendJoin("", headers.Select(_ => "---|")).AppendLine();
        foreach (var r in results)
        {
            var cells = Cells(r, cutoffs);
            double s = r.Trained.TrainSeconds;
            string time = s < 0.1 ? "< 0.1 s" : s.ToString("0.0", CultureInfo.InvariantCulture) + " s";
            if (r.Trained.Epochs.Count > 0) time += $", {cells[^1]} events/s";
            sb.Append("| ").AppendJoin(" | ", [.. cells[..^2], time]).AppendLine(" |");
        }
        return sb.ToString();
    }

    private static int BestRow(IReadOnlyList<ModelResult> results, int k) =>
        results.Count < 2 ? -1 : Enumerable.Range(0, results.Count).MaxBy(i => results[i].Evaluation.ByCutoff[k].Recall);

    private static string F4(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
}
