namespace MLNet.SessionRec.Evaluation;

/// <summary>Partial selection of the best-scored items of a row.</summary>
internal static class TopK
{
    /// <summary>
    /// Writes the indices of the <c>result.Length</c> highest scores into <paramref name="result"/>, best first;
    /// equal scores rank the lower index first; NaN scores rank last. One pass with a size-K min-heap.
    /// </summary>
    public static void Select(ReadOnlySpan<float> row, Span<int> result)
    {
        int k = result.Length;
        if (k == 0) return;
        if (k > row.Length) throw new ArgumentException("More results requested than items.", nameof(result));
        // Heap of result indices; the root is the worst kept item.
        for (int j = 0; j < k; j++) { result[j] = j; SiftUp(row, result, j); }
        for (int j = k; j < row.Length; j++)
        {
            if (!Better(row, j, result[0])) continue;
            result[0] = j;
            SiftDown(row, result, 0, k);
        }
        // Heap sort in place: repeatedly move the worst to the end.
        for (int end = k - 1; end > 0; end--)
        {
            (result[0], result[end]) = (result[end], result[0]);
            SiftDown(row, result, 0, end);
        }
    }

    private static bool Better(ReadOnlySpan<float> row, int a, int b)
    {
        float x = row[a], y = row[b];
        if (float.IsNaN(x)) return float.IsNaN(y) && a < b;
        if (float.IsNaN(y)) return true;
        return x > y || (x == y && a < b);
    }

    private static void SiftUp(ReadOnlySpan<float> row, Span<int> heap, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(row, heap[parent], heap[i])) break;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> row, Span<int> heap, int i, int size)
    {
        while (true)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < size && Better(row, heap[worst], heap[l])) worst = l;
            if (r < size && Better(row, heap[worst], heap[r])) worst = r;
            if (worst == i) return;
            (heap[worst], heap[i]) = (heap[i], heap[worst]);
            i = worst;
        }
    }
}
