using System.CommandLine;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Adapters;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary>
/// <c>recommend</c>: streams events through a saved model and writes, after every event,
/// <c>SessionId TAB Position TAB item1,item2,...</c> (Position = 0-based index of the event just seen; ids with a
/// comma, TAB, double quote or line break are quoted CSV-style, see <see cref="EventStream.Quote"/>).
/// </summary>
internal static class RecommendCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(AppOutput output)
    {
        var command = new Command("recommend", "stream events (file or - for stdin) through a saved model and print the top items after each event");
        var model = new Option<string>("--model") { HelpName = "MODEL.zip", Description = "model zip written by train", Required = true };
        var input = new Option<string>("--input") { HelpName = "FILE|-", Description = "events with SessionId, ItemId (and Time) columns, in time order; - reads stdin", Required = true };
        var top = new Option<int>("--top") { HelpName = "N", Description = "number of items per line", DefaultValueFactory = _ => 20 };
        foreach (var option in new Option[] { model, input, top }) command.Options.Add(option);
        command.SetAction((parsed, cancellation) => Task.Run(async () =>
        {
            int k = parsed.GetValue(top);
            if (k <= 0) throw new UsageException("--top must be positive.");
            string source = parsed.GetValue(input)!, modelPath = parsed.GetValue(model)!;
            FileChecks.Input(model.Name, modelPath);
            if (source != "-") FileChecks.Input(input.Name, source);
            using var recommender = ModelStore.Load(modelPath);
            using var lines = source == "-"
                ? new BoundedLineReader(output.In, "stdin", leaveOpen: true)
                : BoundedLineReader.Open(source);
            // A file never makes a person wait: it fills whole buffers; stdin is answered as soon as its next line is not there yet.
            long unknown = await EventStream.RecommendAsync(lines, recommender, k, output.Out, cancellation, answerBeforeWaiting: source == "-");
            if (unknown > 0) output.Error.WriteLine($"note: {unknown} events had items the model does not know; they left the session state unchanged.");
            return 0;
        }, cancellation));
        return command;
    }
}
