using System.CommandLine;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary>The app's commands: evaluate (also the root), train, recommend, preprocess rsc15, split.</summary>
internal static class CommandTree
{
    /// <summary>Builds the command tree writing to <paramref name="output"/>.</summary>
    public static RootCommand Build(AppOutput output)
    {
        var root = new RootCommand(
            "Session-based recommendation with GRU4Rec and baselines on ML.NET. " +
            "Without a command: evaluate every model on the bundled rsc15-100k data.");
        EvaluateCommand.Configure(root, output);
        var evaluate = new Command("evaluate", "train the chosen models and evaluate them on a test file");
        EvaluateCommand.Configure(evaluate, output);
        root.Subcommands.Add(evaluate);
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(RecommendCommand.Create(output));
        root.Subcommands.Add(PreprocessCommand.Create(output));
        root.Subcommands.Add(SplitCommand.Create(output));
        return root;
    }
}
