using System.Text.RegularExpressions;

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

    /// <summary>Applies every parameter in <paramref name="path"/> to <paramref name="parameters"/>.</summary>
    public static void Apply(string path, Gru4RecArguments parameters)
    {
        if (!File.Exists(path)) throw new UsageException($"--params file not found: {path}");
        string text = File.ReadAllText(path);
        if (text.Contains("OrderedDict") || PythonPair().IsMatch(text))
        {
            foreach (Match m in PythonPair().Matches(text))
                parameters.Set(m.Groups["name"].Value, m.Groups["value"].Value.Trim('\'', '"'), path);
            return;
        }
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            foreach (var (name, value) in SplitPairs(line, $"{path}:{lineNo}"))
                parameters.Set(name, value, $"{path}:{lineNo}");
        }
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
