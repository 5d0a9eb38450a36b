using Spectre.Console;

namespace MLNet.SessionRec.EvaluationApp;

/// <summary>Where the app writes: plain writers for scripts and a Spectre console over the same output.</summary>
internal sealed class AppOutput(TextWriter output, TextWriter error, TextReader input)
{
    /// <summary>Standard input (recommend --input -).</summary>
    public TextReader In { get; } = input;

    /// <summary>Standard output (results, TSV, JSON).</summary>
    public TextWriter Out { get; } = output;

    /// <summary>Standard error (one-line errors, warnings).</summary>
    public TextWriter Error { get; } = error;

    /// <summary>A rich console over <see cref="Out"/>; colours and live progress only on a real terminal.</summary>
    public IAnsiConsole CreateConsole()
    {
        bool terminal = ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Out),
        });
        if (!terminal) console.Profile.Width = 400; // logs and tests: no wrapping of the summary lines or the table
        return console;
    }
}
