namespace MLNet.SessionRec.Data;

/// <summary>
/// Splits sessions by time into train and test the way GRU4Rec's preprocessing does: test = sessions whose last
/// (or first) event lies in the final <c>days</c> before the latest event; test events of items unknown to train
/// are dropped, then test sessions shorter than <c>minTestSessionLength</c>.
/// </summary>
public static class SessionTimeSplit
{
    /// <summary>Splits an event file and writes train and test as TSV <c>SessionId ItemId Time</c> (file order kept).</summary>
    public static (SessionFileSummary Train, SessionFileSummary Test) SplitFile(string inputPath, SessionFileOptions? options,
        double days, string trainPath, string testPath, SessionTimeSplitBy by = SessionTimeSplitBy.SessionEnd, int minTestSessionLength = 2)
    {
        CheckDays(days);
        var table = SessionFileReader.ReadTable(inputPath, options ?? new SessionFileOptions(), vocabulary: null);
        var (train, test) = EventSelection.All(table).SplitByTime(days * 86_400, by);
        test = test.KeepItemsIn(train).KeepSessionsOfLength(minTestSessionLength);
        // An empty part means the period does not split this file (too long, or too short to hold a usable session):
        // refused before anything is written.
        if (train.Summarize(trainPath).Events == 0)
            throw new InvalidDataException(FormattableString.Invariant($"{inputPath}: a test period of {days} days covers every session: the training part would be empty."));
        if (test.Summarize(testPath).Events == 0)
            throw new InvalidDataException(FormattableString.Invariant($"{inputPath}: a test period of {days} days leaves no test session (of length >= {minTestSessionLength}, with training items)."));
        return (train.Write(trainPath), test.Write(testPath));
    }

    /// <summary>
    /// Splits a dataset: the train part gets a new vocabulary (its items, renumbered, with their supports); the test
    /// part uses it, with dropped events and sessions counted. Sessions keep their original times and order.
    /// </summary>
    public static (SessionDataset Train, SessionDataset Test) Split(SessionDataset data, double days,
        SessionTimeSplitBy by = SessionTimeSplitBy.SessionEnd, int minTestSessionLength = 2)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckDays(days);
        var key = by == SessionTimeSplitBy.SessionEnd ? data.SessionEndTimes : data.SessionStartTimes;
        double threshold = (data.SessionCount == 0 ? 0 : data.SessionEndTimes.Max()) - days * 86_400;
        var train = new List<int>();
        var test = new List<int>();
        for (int s = 0; s < data.SessionCount; s++) (key[s] < threshold ? train : test).Add(s);
        var trainSet = Subset(data, train, vocabulary: null, minLength: 1);
        return (trainSet, Subset(data, test, trainSet.Items, minTestSessionLength));
    }

    /// <summary>
    /// The given sessions (in dataset order) as a new dataset. Sessions keep their original start/end times and order,
    /// also when dropping unknown items removed their first or last event (per-event times are not stored).
    /// </summary>
    private static SessionDataset Subset(SessionDataset data, List<int> sessions, ItemVocabulary? vocabulary, int minLength)
    {
        var map = new int[data.Items.Count]; // old item index -> new one, -1 unknown
        var ids = new List<string>();
        var support = new List<long>();
        if (vocabulary != null)
            for (int i = 0; i < map.Length; i++) map[i] = vocabulary.TryGetIndex(data.Items.GetId(i), out int j) ? j : -1;
        else Array.Fill(map, -1);
        var items = new List<int>();
        var offsets = new List<int> { 0 };
        var kept = new List<int>();
        long dropped = 0, shortSessions = 0;
        foreach (int s in sessions)
        {
            int before = items.Count;
            foreach (int old in data.GetSession(s))
            {
                if (vocabulary == null && map[old] < 0) { map[old] = ids.Count; ids.Add(data.Items.GetId(old)); support.Add(0); }
                if (map[old] < 0) { dropped++; continue; }
                items.Add(map[old]);
            }
            if (items.Count - before < Math.Max(1, minLength)) { items.RemoveRange(before, items.Count - before); shortSessions++; continue; }
            if (vocabulary == null) for (int k = before; k < items.Count; k++) support[items[k]]++;
            offsets.Add(items.Count);
            kept.Add(s);
        }
        var keptSpan = kept.ToArray();
        var sessionIds = data.SessionIds is SessionIdList compact ? compact.Select(keptSpan) : new SessionIdList(keptSpan.Select(s => data.SessionIds[s]).ToArray());
        return new SessionDataset(vocabulary ?? ItemVocabulary.FromIds(ids, support), items.ToArray(), offsets.ToArray(), sessionIds,
            keptSpan.Select(s => data.SessionStartTimes[s]).ToArray(), keptSpan.Select(s => data.SessionEndTimes[s]).ToArray(),
            data.DroppedUnknownItemEvents + dropped, data.DroppedShortSessions + shortSessions);
    }

    private static void CheckDays(double days)
    {
        // days * 86,400 must stay finite: 1e308 days is no period at all.
        if (!(days > 0) || !double.IsFinite(days * 86_400)) throw new ArgumentOutOfRangeException(nameof(days), days, "The test period must be a positive, finite number of days.");
    }
}
