using System.Text.RegularExpressions;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.EvaluationApp.Parameters;

/// <summary>
/// Reads a <c>--params</c> file: either <c>name=value</c> lines (also <c>name: value</c>, one official parameter
/// string <c>a=1,b=2</c>, <c>#</c> comments), or an official GRU4Rec param file
/// (<c>OrderedDict([('loss', 'cross-entropy'), ('layers', [100]), ...])</c>).
/// </summary>
internal static partial class ParameterFile
{
    [GeneratedRegex(@"\(\s*'(?<name>\w+)'\s*,\s*(?<value>\[[^\]]*\]|'[^']*'|""[^""]*""|[^,)]+)\s*\)")]
    private static partial Regex PythonPair();

    /// <summary>The most characters a parameter file may have (1 Mi): a parameter file is a few lines.</summary>
    public const int MaxChars = BoundedLineReader.DefaultMaxLineLength;

    /// <summary>Applies every parameter in <paramref name="path"/> to <paramref name="parameters"/>.</summary>
    public static void Apply(string path, Gru4RecArguments parameters)
    {
        if (Directory.Exists(path)) throw new UsageException($"--params: {path} is a directory, not a file.");
        if (!File.Exists(path)) throw new UsageException($"--params file not found: {path}");
        var lines = ReadLines(path);
        string text = string.Join('\n', lines);
        if (text.Contains("OrderedDict") || PythonPair().IsMatch(text))
        {
            foreach (Match m in PythonPair().Matches(text))
                parameters.Set(m.Groups["name"].Value, m.Groups["value"].Value.Trim('\'', '"'), path);
            return;
        }
        int lineNo = 0;
        foreach (string raw in lines)
        {
            lineNo++;
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            foreach (var (name, value) in SplitPairs(line, $"{path}:{lineNo}"))
                parameters.Set(name, value, $"{path}:{lineNo}");
        }
    }

    // Bounded reading: /dev/zero or a binary file is a one-line error, not an out-of-memory abort.
    private static List<string> ReadLines(string path)
    {
        using var reader = BoundedLineReader.Open(path, MaxChars);
        var lines = new List<string>();
        long total = 0;
        for (string? line = reader.ReadLine(); line != null; line = reader.ReadLine())
        {
            total += line.Length + 1;
            if (total > MaxChars)
                throw new UsageException($"--params: {path} is longer than {MaxChars:N0} characters; a parameter file is a few lines.");
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>Splits <c>a=1,layers=100,100,b=2</c>: a comma starts a new pair only if a <c>name=</c> follows.</summary>
    private static IEnumerable<(string Name, string Value)> SplitPairs(string line, string where)
    {
        var pairs = new List<(string, string)>();
        foreach (string piece in line.Split(','))
        {
            int eq = piece.IndexOfAny(['=', ':']);
            if (eq > 0) pairs.Add((piece[..eq].Trim(), piece[(eq + 1)..].Trim()));
            else if (pairs.Count > 0) pairs[^1] = (pairs[^1].Item1, pairs[^1].Item2 + "," + piece.Trim());
            else throw new UsageException($"{where}: expected name=value, got '{line}'.");
        }
        return pairs;
    }
}
