using System.Globalization;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Baselines;

/// <summary>
/// The order in which the rule-based baselines visit training sessions. It only decides which of equally strong
/// rules survive pruning (the first one created wins, as in session-rec, whose loader sorts training data by session
/// id): sessions by id, numerically when every id is an integer, else ordinally.
/// </summary>
internal static class TrainingOrder
{
    public static int[] Sessions(SessionDataset train)
    {
        int count = train.SessionCount;
        var order = Enumerable.Range(0, count).ToArray();
        var numeric = new long[count];
        bool allNumeric = true;
        for (int s = 0; s < count && allNumeric; s++)
            allNumeric = long.TryParse(train.SessionIds[s], NumberStyles.Integer, CultureInfo.InvariantCulture, out numeric[s]);
        if (allNumeric) Array.Sort(numeric, order);
        else Array.Sort(train.SessionIds.ToArray(), order, StringComparer.Ordinal);
        return order;
    }
}
