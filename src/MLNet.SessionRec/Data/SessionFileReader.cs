using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>
/// Reads session event tables (TAB/CSV text, no quoting) into a <see cref="SessionDataset"/>. Fields are parsed
/// as spans of the line just read: apart from that transient line, no string or object per event is kept or made.
/// Errors name the file, the line and the column.
/// </summary>
public static class SessionFileReader
{
    /// <summary>
    /// Reads a TAB/CSV event file. With <paramref name="vocabulary"/> (a training vocabulary), events of items it
    /// does not know are dropped and counted; otherwise a new vocabulary with supports is built.
    /// </summary>
    public static SessionDataset Read(string path, SessionFileOptions? options = null, ItemVocabulary? vocabulary = null)
    {
        options ??= new SessionFileOptions();
        return ReadTable(path, options, vocabulary).ToDataset(options.MinSessionLength);
    }

    /// <summary>Reads the events in file order into primitive columns.</summary>
    internal static SessionEventTable ReadTable(string path, SessionFileOptions options, ItemVocabulary? vocabulary)
    {
        if (options.TimeOffsetColumn != null && !(options.TimeOffsetSeconds > 0))
            throw new ArgumentException("TimeOffsetSeconds must be positive.", nameof(options));
        // Bounded lines: a binary file or /dev/zero is a one-line error, not an out-of-memory abort.
        using var reader = BoundedLineReader.Open(path, options.MaxLineLength);
        var table = new SessionEventTable(vocabulary);
        string? first = reader.ReadLine();
        string? pending = first is { Length: 0 } ? reader.ReadLine() : null;
        if (first == null || (first.Length == 0 && pending == null))
            throw new InvalidDataException($"{path}: the file is empty{(options.HasHeader ? " (no header line)" : "")}.");
        char separator = options.Separator ?? DetectSeparator(first);
        string[] names = options.HasHeader
            ? first.Split(separator).Select(n => n.Trim().Trim('"')).ToArray()
            : Enumerable.Range(0, first.Split(separator).Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        CheckDuplicates(path, names);
        int sessionCol = FindColumn(path, names, options.SessionColumn, "session");
        int itemCol = FindColumn(path, names, options.ItemColumn, "item");
        int timeCol = FindColumn(path, names, options.TimeColumn, "time");
        int offsetCol = options.TimeOffsetColumn == null ? -1 : FindColumn(path, names, options.TimeOffsetColumn, "time offset");
        Span<Range> ranges = stackalloc Range[names.Length + 1];
        long dataLines = 0;
        int lineNo = options.HasHeader ? 2 : 1;
        string? Next()
        {
            if (pending == null) return reader.ReadLine();
            string line = pending;
            pending = null;
            return line;
        }
        for (string? line = options.HasHeader ? Next() : first; line != null; line = Next(), lineNo++)
        {
            if (line.Length == 0) continue;
            ReadOnlySpan<char> text = line;
            int fields = text.Split(ranges, separator);
            if (fields != names.Length)
                throw new InvalidDataException($"{path}:{lineNo}: expected {names.Length} columns separated by '{Show(separator)}', found {Count(text, separator)}.");
            dataLines++;
            var session = Field(path, lineNo, names, text, ranges, sessionCol);
            var item = Field(path, lineNo, names, text, ranges, itemCol);
            double time = ParseTime(path, lineNo, names, timeCol, text[ranges[timeCol]].Trim(), options);
            if (offsetCol < 0) table.Add(session, item, time);
            else
            {
                var offsetText = text[ranges[offsetCol]].Trim();
                if (!double.TryParse(offsetText, NumberStyles.Float, CultureInfo.InvariantCulture, out double offset) || !double.IsFinite(offset))
                    throw new InvalidDataException($"{path}:{lineNo}: column {offsetCol + 1} '{names[offsetCol]}': cannot parse '{offsetText}' as a number.");
                table.Add(session, item, offset * options.TimeOffsetSeconds, time);
            }
        }
        if (dataLines == 0) throw new InvalidDataException($"{path}: the file has {(options.HasHeader ? "a header but " : "")}no events.");
        return table;
    }

    private static ReadOnlySpan<char> Field(string path, int lineNo, string[] names, ReadOnlySpan<char> line, Span<Range> ranges, int column)
    {
        var value = line[ranges[column]].Trim();
        if (value.IsEmpty) throw new InvalidDataException($"{path}:{lineNo}: column {column + 1} '{names[column]}' is empty.");
        return value;
    }

    /// <summary>Parses a time field into unix seconds.</summary>
    internal static double ParseTime(string path, int lineNo, string[] names, int column, ReadOnlySpan<char> text, SessionFileOptions options)
    {
        if (TryParseTime(text, options, out double seconds)) return seconds;
        string expected = options.TimeFormat switch
        {
            SessionTimeFormat.UnixSeconds => "unix seconds",
            SessionTimeFormat.UnixMilliseconds => "unix milliseconds",
            _ => options.DateTimeFormat == null ? "an ISO 8601 date/time" : $"a date/time of format '{options.DateTimeFormat}'",
        };
        throw new InvalidDataException($"{path}:{lineNo}: column {column + 1} '{names[column]}': cannot parse '{text}' as {expected}.");
    }

    /// <summary>Parses a time text into unix seconds (date/times without an offset are UTC).</summary>
    internal static bool TryParseTime(ReadOnlySpan<char> text, SessionFileOptions options, out double seconds)
    {
        seconds = double.NaN;
        switch (options.TimeFormat)
        {
            case SessionTimeFormat.UnixSeconds:
            case SessionTimeFormat.UnixMilliseconds:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !double.IsFinite(seconds)) return false;
                if (options.TimeFormat == SessionTimeFormat.UnixMilliseconds) seconds /= 1000;
                return true;
            default:
                const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
                bool ok = options.DateTimeFormat == null
                    ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out var value)
                    : DateTimeOffset.TryParseExact(text, options.DateTimeFormat, CultureInfo.InvariantCulture, styles, out value);
                if (!ok) return false;
                seconds = ToUnixSeconds(value);
                return true;
        }
    }

    /// <summary>Whole seconds plus the fraction, the way Python's datetime.timestamp() sums them.</summary>
    internal static double ToUnixSeconds(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long whole = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0) { whole--; rest += TimeSpan.TicksPerSecond; }
        return whole + rest / (double)TimeSpan.TicksPerSecond;
    }

    private static char DetectSeparator(string header) =>
        header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : '\t';

    private static string Show(char separator) => separator == '\t' ? "\\t" : separator.ToString();

    private static int Count(ReadOnlySpan<char> line, char separator) => line.Count(separator) + 1;

    private static void CheckDuplicates(string path, string[] names)
    {
        for (int i = 0; i < names.Length; i++)
            for (int j = i + 1; j < names.Length; j++)
                if (names[i] == names[j])
                    throw new InvalidDataException($"{path}:1: the header names column '{names[i]}' twice (columns {i + 1} and {j + 1}).");
    }

    private static int FindColumn(string path, string[] names, string name, string role)
    {
        int index = Array.IndexOf(names, name);
        if (index < 0)
            throw new InvalidDataException($"{path}:1: the {role} column '{name}' is not in the header ({string.Join(", ", names)}).");
        return index;
    }
}
