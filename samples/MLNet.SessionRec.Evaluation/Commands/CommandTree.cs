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
        root.Options.Add(new Option<string?>(LibTorchOption)
        {
            HelpName = "DIR",
            Description = $"load libtorch {MLNet.SessionRec.Gru4Rec.LibTorch.RequiredVersion} from DIR before first use, e.g. the torch/lib folder of a PyTorch install with CUDA (default: ${MLNet.SessionRec.Gru4Rec.LibTorch.EnvironmentVariable}, else the libtorch this app was built with; see docs/gpu.md)",
            Recursive = true,
        });
        return root;
    }

    /// <summary>The name of the option (on every command) that loads libtorch from a directory.</summary>
    public const string LibTorchOption = "--libtorch";
}
