namespace MLNet.SessionRec.EvaluationApp.Commands;

using MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Reads events line by line (header with SessionId and ItemId) and answers each through its session's state.</summary>
internal static class EventStream
{
    /// <summary>Writes one TSV line per event; returns the number of events with unknown items.</summary>
    public static long Recommend(TextReader reader, string name, ILoadedRecommender recommender, int top, TextWriter output, CancellationToken cancellation)
    {
        string header = reader.ReadLine() ?? throw new UsageException($"{name}: the input is empty (no header line).");
        char separator = header.Contains('\t') ? '\t' : header.Contains(',') ? ',' : header.Contains(';') ? ';' : '\t';
        string[] columns = header.Split(separator);
        int sessionCol = Column(columns, "SessionId", name), itemCol = Column(columns, "ItemId", name);
        var sessions = new Dictionary<string, (IRecommenderSession State, int Position)>(StringComparer.Ordinal);
        long unknown = 0;
        int lineNo = 1;
        try
        {
            string? line;
            while ((line = reader.ReadLine()) != null)
            {
                lineNo++;
                if (line.Length == 0) continue;
                cancellation.ThrowIfCancellationRequested();
                string[] fields = line.Split(separator);
                if (fields.Length != columns.Length)
                    throw new UsageException($"{name}:{lineNo}: expected {columns.Length} columns, found {fields.Length}.");
                string session = fields[sessionCol];
                if (!sessions.TryGetValue(session, out var entry)) entry = (recommender.StartSession(), -1);
                if (!entry.State.Observe(fields[itemCol])) unknown++;
                entry.Position++;
                sessions[session] = entry;
                output.Write(session);
                output.Write('\t');
                output.Write(entry.Position);
                output.Write('\t');
                output.WriteLine(string.Join(",", entry.State.Top(top)));
            }
        }
        finally
        {
            foreach (var (state, _) in sessions.Values) state.Dispose();
        }
        output.Flush();
        return unknown;
    }

    private static int Column(string[] columns, string wanted, string name)
    {
        int index = Array.IndexOf(columns, wanted);
        return index >= 0 ? index : throw new UsageException($"{name}: column '{wanted}' not found in header ({string.Join(", ", columns)}).");
    }
}
