// Ctrl+C cancels between training steps instead of killing the process mid-write.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
return await MLNet.SessionRec.EvaluationApp.Cli.RunAsync(args, Console.Out, Console.Error, Console.In, cancellation.Token);
