// Ctrl+C cancels between training steps instead of killing the process mid-write.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
// A file-size limit (ulimit -f) sends SIGXFSZ, which kills by default before the failed write can be reported and its
// temporary file removed; handled, the write fails with EFBIG instead and the app says so in one line.
using var fileSizeLimit = OperatingSystem.IsLinux()
    ? System.Runtime.InteropServices.PosixSignalRegistration.Create((System.Runtime.InteropServices.PosixSignal)25, context => context.Cancel = true)
    : null;
return await MLNet.SessionRec.EvaluationApp.Cli.RunAsync(args, Console.Out, Console.Error, Console.In, cancellation.Token);
