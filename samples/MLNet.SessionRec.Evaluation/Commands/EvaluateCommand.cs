using System.CommandLine;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Commands;

/// <summary><c>evaluate</c>: train the chosen models and compare them on a test file (also the no-argument run).</summary>
internal static class EvaluateCommand
{
    /// <summary>Adds the evaluate options and action to <paramref name="command"/> (the root or <c>evaluate</c>).</summary>
    public static void Configure(Command command, AppOutput output)
    {
        var train = new Option<string?>("--train") { HelpName = "FILE", Description = "training events (TSV/CSV with SessionId, ItemId, Time); default: bundled rsc15-100k train_full" };
        var test = new Option<string?>("--test") { HelpName = "FILE", Description = "test events; default: bundled rsc15-100k test" };
        var validation = new Option<string?>("--validation") { HelpName = "FILE", Description = "validation events for per-epoch GRU4Rec accuracy (--plot)" };
        var models = new Option<string>("--models") { HelpName = "LIST", Description = $"comma-separated models: {string.Join(",", ModelNames.All)}", DefaultValueFactory = _ => string.Join(",", ModelNames.All) };
        var cutoffs = new Option<string>("--cutoffs") { HelpName = "LIST", Description = "comma-separated cut-offs K", DefaultValueFactory = _ => "1,5,10,20" };
        var ties = new Option<string>("--ties") { HelpName = "conservative|standard|median", Description = "rank of tied scores: conservative, standard or median", DefaultValueFactory = _ => "conservative" };
        var report = new Option<string?>("--report-json") { HelpName = "PATH", Description = "write the results as JSON (schema in docs/evaluation.md)" };
        var markdown = new Option<string?>("--report-markdown") { HelpName = "PATH", Description = "write the results table in Markdown (the table the README quotes)" };
        var plot = new Option<string?>("--plot") { HelpName = "PATH.png", Description = "write a PNG of per-epoch Recall/MRR and loss of GRU4Rec" };
        var shared = new TrainingOptions();
        foreach (var option in new Option[] { train, test, validation, models, cutoffs, ties, report, markdown, plot }) command.Options.Add(option);
        shared.AddTo(command);

        command.SetAction((parsed, cancellation) =>
        {
            string? trainPath = parsed.GetValue(train), testPath = parsed.GetValue(test);
            if ((trainPath == null) != (testPath == null)) throw new UsageException("give both --train and --test, or neither for the bundled data.");
            var modelNames = ModelNames.Parse(parsed.GetValue(models)!);
            // Refused before any training: the plot shows GRU4Rec epochs, and baselines have none.
            if (parsed.GetValue(plot) != null && !modelNames.Contains(ModelNames.Gru4Rec))
                throw new UsageException("--plot needs a GRU4Rec run (add gru4rec to --models).");
            trainPath ??= BundledData.Locate(BundledData.TrainFile);
            testPath ??= BundledData.Locate(BundledData.TestFile);
            string? validationPath = parsed.GetValue(validation);
            // Before any work: inputs are files, no output overwrites an input, every output can be written.
            FileChecks.Input(train.Name, trainPath);
            FileChecks.Input(test.Name, testPath);
            if (validationPath != null) FileChecks.Input(validation.Name, validationPath);
            FileChecks.Outputs(
                [(train.Name, trainPath), (test.Name, testPath), (validation.Name, validationPath), (shared.Params.Name, parsed.GetValue(shared.Params))],
                [(report.Name, parsed.GetValue(report)), (markdown.Name, parsed.GetValue(markdown)), (plot.Name, parsed.GetValue(plot))],
                createFolders: true);
            var (checkpointDir, resume) = shared.ResolveCheckpoint(parsed);
            var settings = new EvaluationSettings(
                trainPath,
                testPath,
                validationPath,
                modelNames,
                OptionValues.Cutoffs(parsed.GetValue(cutoffs)!),
                OptionValues.Ties(parsed.GetValue(ties)!),
                parsed.GetValue(shared.Seed),
                parsed.GetValue(shared.Device)!,
                shared.ResolveGru4Rec(parsed),
                parsed.GetValue(shared.Quiet),
                parsed.GetValue(report),
                parsed.GetValue(markdown),
                parsed.GetValue(plot),
                checkpointDir,
                resume);
            // Long CPU work runs off the invocation thread so cancellation (Ctrl+C) stays responsive.
            return Task.Run(() => EvaluationRun.Execute(settings, output, cancellation), cancellation);
        });
    }
}
