using MLNet.SessionRec.EvaluationApp;

namespace MLNet.SessionRec.Tests.App;

/// <summary>Runs the evaluation app in-process and captures what it writes.</summary>
internal static class AppRunner
{
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        /// <summary>Asserts a user error: non-zero exit, exactly one line on stderr naming <paramref name="expected"/>, no stack trace.</summary>
        public void AssertOneLineError(string expected)
        {
            Assert.AreNotEqual(0, ExitCode, $"expected failure; stdout: {Out}");
            var lines = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(1, lines, $"expected one stderr line, got: {Err}");
            Assert.Contains(expected, lines[0], $"stderr: {Err}");
            Assert.DoesNotContain("   at ", Err + Out, "no stack traces for user errors");
            Assert.DoesNotContain("Exception", Err, "no exception type names for user errors");
        }

        public void AssertSuccess() => Assert.AreEqual(0, ExitCode, $"exit {ExitCode}; stderr: {Err}; stdout: {Out}");
    }

    public static Result Run(params string[] args) => RunWithInput("", args);

    public static Result RunWithInput(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.RunAsync(args, output, error, new StringReader(stdin), CancellationToken.None).GetAwaiter().GetResult();
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>A fresh temporary directory, deleted by the caller's <c>using</c>.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sessionrec-app-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }
}
