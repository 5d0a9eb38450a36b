using System.CommandLine;
using MLNet.SessionRec.EvaluationApp.Adapters;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary><c>split</c>: time split of any event file: sessions of the last N days go to <c>{name}_test.txt</c>, the rest to <c>{name}_train_full.txt</c>.</summary>
internal static class SplitCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(AppOutput output)
    {
        var command = new Command("split", "split an event file by time: sessions ending in the last N days become the test set");
        var input = new Option<string>("--input") { HelpName = "FILE", Description = "events (SessionId, ItemId, Time)", Required = true };
        var days = new Option<double>("--days") { HelpName = "N", Description = "length of the test period in days", Required = true };
        var dir = new Option<string>("--output") { HelpName = "DIR", Description = "output directory", Required = true };
        var by = new Option<string>("--by") { Description = "which session time decides: end (GRU4Rec's rule) or start", DefaultValueFactory = _ => "end" }.AcceptOnlyFromAmong("end", "start");
        foreach (var option in new Option[] { input, days, dir, by }) command.Options.Add(option);
        command.SetAction((parsed, cancellation) => Task.Run(() =>
        {
            double n = parsed.GetValue(days);
            // NaN, infinity and days whose seconds overflow split nothing; a period that covers every session is
            // refused by the split itself, after reading and before writing.
            if (!(n > 0) || !double.IsFinite(n * 86_400)) throw new UsageException($"--days must be a positive, finite number of days (got {n.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
            foreach (var line in Preprocessing.Split(parsed.GetValue(input)!, n, parsed.GetValue(dir)!, parsed.GetValue(by) == "start")) output.Out.WriteLine(line);
            return 0;
        }, cancellation));
        return command;
    }
}
