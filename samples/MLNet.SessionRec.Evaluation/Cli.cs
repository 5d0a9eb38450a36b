using System.CommandLine;
using MLNet.SessionRec.EvaluationApp.Commands;
using MLNet.SessionRec.Gru4Rec;

namespace MLNet.SessionRec.EvaluationApp;

/// <summary>
/// Entry point of the evaluation app, callable in-process (tests) as well as from <c>Main</c>.
/// User errors end as one line on the error writer and a non-zero exit code, never a stack trace.
/// </summary>
public static class Cli
{
    /// <summary>Exit code for bad input (missing file, bad option value, unloadable model).</summary>
    public const int UserErrorExitCode = 1;

    /// <summary>Exit code for command-line syntax errors (unknown option, missing value).</summary>
    public const int UsageExitCode = 2;

    /// <summary>Runs the app with <paramref name="args"/>; no arguments evaluates all models on the bundled data.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, output, error, Console.In, CancellationToken.None);

    /// <summary>Runs the app reading standard input from <paramref name="input"/> (for <c>recommend --input -</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader input, CancellationToken cancellation)
    {
        var root = CommandTree.Build(new AppOutput(output, error, input));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Some parser messages span lines (e.g. the list of allowed values): keep to one line.
            string message = string.Join(" ", parsed.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            error.WriteLine($"error: {UserText.Escape(message)} (see --help)");
            return UsageExitCode;
        }
        try
        {
            LoadLibTorch(parsed, error);
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            }, cancellation);
        }
        catch (Exception e) when (UserErrors.Describe(e) is { } message)
        {
            // Messages quote ids, headers and paths from the user: escaped, so they cannot act on the terminal.
            error.WriteLine($"error: {UserText.Escape(message)}");
            // SESSIONREC_DEBUG=1 shows the full exception, for reporting bugs behind a user-facing message.
            if (Environment.GetEnvironmentVariable("SESSIONREC_DEBUG") == "1") error.WriteLine(e);
            return UserErrorExitCode;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return 130;
        }
    }

    /// <summary>
    /// Loads libtorch from <c>--libtorch DIR</c>, else from $SESSIONREC_LIBTORCH, before any command uses TorchSharp;
    /// says on <paramref name="error"/> what it loaded. A directory that cannot be used is a user error.
    /// </summary>
    private static void LoadLibTorch(ParseResult parsed, TextWriter error)
    {
        string? directory = parsed.GetValue<string?>(CommandTree.LibTorchOption);
        LibTorchInfo? loaded;
        try
        {
            loaded = directory is not null ? LibTorch.Load(directory) : LibTorch.LoadFromEnvironment();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or DllNotFoundException)
        {
            throw new UsageException(directory is not null ? $"{CommandTree.LibTorchOption}: {e.Message}" : e.Message);
        }
        if (loaded is not null) error.WriteLine(loaded.ToString());
    }
}
