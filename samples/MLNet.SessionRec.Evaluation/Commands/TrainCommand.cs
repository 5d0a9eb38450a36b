using System.CommandLine;
using MLNet.SessionRec.EvaluationApp.Adapters;
using MLNet.SessionRec.EvaluationApp.Reporting;
using MLNet.SessionRec.EvaluationApp.Running;
using Spectre.Console;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary><c>train</c>: train GRU4Rec (or one baseline) and save it in ML.NET's model format.</summary>
internal static class TrainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(AppOutput output)
    {
        var command = new Command("train", "train GRU4Rec (or one baseline with --models) and save it as an ML.NET model zip");
        var train = new Option<string>("--train") { HelpName = "FILE", Description = "training events (SessionId, ItemId, Time)", Required = true };
        var validation = new Option<string?>("--validation") { HelpName = "FILE", Description = "validation events: per-epoch Recall@20/MRR@20 while training" };
        var model = new Option<string>("--output", "-o") { HelpName = "MODEL.zip", Description = "model zip to write", Required = true };
        var models = new Option<string>("--models") { HelpName = "NAME", Description = $"the one model to train: {string.Join(",", ModelNames.All)}", DefaultValueFactory = _ => ModelNames.Gru4Rec };
        var shared = new TrainingOptions();
        foreach (var option in new Option[] { train, validation, model, models }) command.Options.Add(option);
        shared.AddTo(command);
        command.SetAction((parsed, cancellation) => Task.Run(() =>
        {
            var names = ModelNames.Parse(parsed.GetValue(models)!);
            if (names.Count != 1) throw new UsageException("train: --models takes exactly one model.");
            string trainPath = parsed.GetValue(train)!, path = parsed.GetValue(model)!;
            string? validationPath = parsed.GetValue(validation), paramsPath = parsed.GetValue(shared.Params);
            // Before any work: a wrong output fails now, not after training.
            FileChecks.Input(train.Name, trainPath);
            if (validationPath != null) FileChecks.Input(validation.Name, validationPath);
            FileChecks.Outputs([(train.Name, trainPath), (validation.Name, validationPath), (shared.Params.Name, paramsPath)], [(model.Name, path)]);
            var parameters = shared.ResolveGru4Rec(parsed);
            var (checkpointDir, resume) = shared.ResolveCheckpoint(parsed);
            var trainSet = DataFiles.ReadEvents(trainPath, null);
            var validationSet = validationPath != null ? DataFiles.ReadEvents(validationPath, trainSet.Items) : null;
            var request = new TrainingRequest(trainSet, validationSet, "validation", [20], parameters,
                parsed.GetValue(shared.Seed), parsed.GetValue(shared.Device)!, TieMode.Conservative, checkpointDir, resume);
            bool quiet = parsed.GetValue(shared.Quiet);
            var console = output.CreateConsole();
            var trained = ProgressView.For(console, output.Error, quiet).Run(progress =>
                ModelFactory.Train(names[0], request, progress, cancellation));
            ModelStore.Save(trained, trainSet, path);
            (trained.Model as IDisposable)?.Dispose();
            if (!quiet) console.MarkupLine(Markup.Escape($"saved {names[0]} ({trainSet.Items.Count:N0} items, trained in {trained.TrainSeconds:0.0} s) to {UserText.Escape(path)}"));
            return 0;
        }, cancellation));
        return command;
    }
}
