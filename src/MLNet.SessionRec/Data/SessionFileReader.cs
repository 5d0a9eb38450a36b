using System.Globalization;

namespace MLNet.SessionRec.Data;

/// <summary>Reads session event tables into a <see cref="SessionDataset"/>.</summary>
public static class SessionFileReader
{
    /// <summary>
    /// Reads a TAB/CSV event file. With <paramref name="vocabulary"/> (a training vocabulary), events of items it
    /// does not know are dropped and counted; otherwise a new vocabulary with supports is built.
    /// </summary>
    public static SessionDataset Read(string path, SessionFileOptions? options = null, ItemVocabulary? vocabulary = null)
    {
        options ??= new SessionFileOptions();
        using var reader = new StreamReader(path);
        var builder = new SessionDatasetBuilder(vocabulary);
        string? header = reader.ReadLine() ?? throw new InvalidDataException($"{path}: the file is empty (no header line).");
        char separator = options.Separator ?? DetectSeparator(header);
        string[] names = header.Split(separator);
        int sessionCol = FindColumn(path, names, options.SessionColumn);
        int itemCol = FindColumn(path, names, options.ItemColumn);
        int timeCol = FindColumn(path, names, options.TimeColumn);
        int lineNo = 1;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            lineNo++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(separator);
            if (fields.Length != names.Length)
                throw new InvalidDataException($"{path}:{lineNo}: expected {names.Length} columns, found {fields.Length}.");
            if (!double.TryParse(fields[timeCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double time))
                throw new InvalidDataException($"{path}:{lineNo}: column '{names[timeCol]}' has the unparsable time '{fields[timeCol]}'.");
            builder.Add(fields[sessionCol], fields[itemCol], time);
        }
        if (builder.EventCount == 0) throw new InvalidDataException($"{path}: the file has a header but no events.");
        return builder.Build();
    }

    private static char DetectSeparator(string header) =>
        header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : '\t';

    private static int FindColumn(string path, string[] names, string name)
    {
        int index = Array.IndexOf(names, name);
        if (index < 0)
            throw new InvalidDataException($"{path}: column '{name}' not found in header ({string.Join(", ", names)}).");
        return index;
    }
}
