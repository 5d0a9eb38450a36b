namespace MLNet.SessionRec;

/// <summary>
/// Partial selection of the best-scored items of a row, shared by the evaluator and the ML.NET transformer:
/// equal scores rank the lower index first; NaN scores rank last. One pass with a size-K min-heap.
/// </summary>
internal static class TopKSelection
{
    /// <summary>
    /// Writes the best <c>min(k, allowed items)</c> item indices of <paramref name="scores"/> into
    /// <paramref name="items"/> and their scores into <paramref name="values"/>, best first; returns the count.
    /// <paramref name="allowed"/>, when given, restricts the candidates.
    /// </summary>
    public static int Select(ReadOnlySpan<float> scores, bool[]? allowed, int k, Span<int> items, Span<float> values)
    {
        // Min-heap of the current best k (root = worst kept); a candidate enters when it beats the root.
        int count = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (allowed != null && !allowed[i]) continue;
            float s = scores[i];
            if (count < k)
            {
                items[count] = i; values[count] = s;
                SiftUp(items, values, count++);
            }
            else if (count > 0 && Better(s, i, values[0], items[0]))
            {
                items[0] = i; values[0] = s;
                SiftDown(items, values, 0, count);
            }
        }
        // Heap sort in place: repeatedly move the worst to the end.
        for (int n = count - 1; n > 0; n--)
        {
            (items[0], items[n]) = (items[n], items[0]);
            (values[0], values[n]) = (values[n], values[0]);
            SiftDown(items, values, 0, n);
        }
        return count;
    }

    private static bool Better(float s, int i, float t, int j)
    {
        if (float.IsNaN(s)) return float.IsNaN(t) && i < j;
        if (float.IsNaN(t)) return true;
        return s > t || (s == t && i < j);
    }

    private static void SiftUp(Span<int> items, Span<float> values, int c)
    {
        while (c > 0)
        {
            int p = (c - 1) / 2;
            if (!Better(values[p], items[p], values[c], items[c])) break;
            (items[p], items[c]) = (items[c], items[p]);
            (values[p], values[c]) = (values[c], values[p]);
            c = p;
        }
    }

    private static void SiftDown(Span<int> items, Span<float> values, int p, int n)
    {
        while (true)
        {
            int l = 2 * p + 1, r = l + 1, worst = p;
            if (l < n && Better(values[worst], items[worst], values[l], items[l])) worst = l;
            if (r < n && Better(values[worst], items[worst], values[r], items[r])) worst = r;
            if (worst == p) return;
            (items[p], items[worst]) = (items[worst], items[p]);
            (values[p], values[worst]) = (values[worst], values[p]);
            p = worst;
        }
    }
}
