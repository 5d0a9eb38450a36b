using System.CommandLine;
using MLNet.SessionRec.EvaluationApp.Adapters;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary><c>preprocess rsc15</c>: the official GRU4Rec RSC15 preprocessing into four TSV files.</summary>
internal static class PreprocessCommand
{
    /// <summary>Creates <c>preprocess</c> with its <c>rsc15</c> subcommand.</summary>
    public static Command Create(AppOutput output)
    {
        var preprocess = new Command("preprocess", "prepare raw public data sets as the official GRU4Rec examples do");
        var rsc15 = new Command("rsc15", "yoochoose-clicks.dat -> rsc15_train_full/test/train_tr/train_valid TSV files");
        var input = new Option<string>("--input") { HelpName = "FILE", Description = "raw yoochoose-clicks.dat (SessionId, ISO time, ItemId, Category)", Required = true };
        var dir = new Option<string>("--output") { HelpName = "DIR", Description = "output directory", Required = true };
        rsc15.Options.Add(input);
        rsc15.Options.Add(dir);
        rsc15.SetAction((parsed, cancellation) => Task.Run(() =>
        {
            foreach (var line in Preprocessing.Rsc15(parsed.GetValue(input)!, parsed.GetValue(dir)!)) output.Out.WriteLine(line);
            return 0;
        }, cancellation));
        preprocess.Subcommands.Add(rsc15);
        return preprocess;
    }
}
