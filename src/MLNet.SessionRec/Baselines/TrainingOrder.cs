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
        var order = Enumerable.Range(0, train.SessionCount).ToArray();
        // Ids stored as numbers sort without making their text (millions of strings on full RSC15).
        var numeric = (train.SessionIds as SessionIdList)?.ToNumbers() ?? ParseAll(train.SessionIds);
        if (numeric != null) Array.Sort(numeric, order);
        else Array.Sort(train.SessionIds.ToArray(), order, StringComparer.Ordinal);
        return order;
    }

    /// <summary>Every id as an integer, or null when one is not.</summary>
    private static long[]? ParseAll(IReadOnlyList<string> ids)
    {
        var numbers = new long[ids.Count];
        for (int s = 0; s < numbers.Length; s++)
            if (!long.TryParse(ids[s], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[s])) return null;
        return numbers;
    }
}
