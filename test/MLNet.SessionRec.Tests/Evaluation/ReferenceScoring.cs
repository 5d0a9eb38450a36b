using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Evaluation;

/// <summary>
/// The previous release's inference, kept as the reference: every step scores the whole catalog for every slot
/// (<see cref="ISessionScorer.Step"/>), copies the slots × items matrix to the host, ranks the target with one pass over
/// the row and selects lists on the host. The new paths (Advance + Rank/TopK on the scorer) must agree with it.
/// </summary>
internal static class ReferenceScoring
{
    /// <summary>The previous evaluator, line for line, with the full score matrix.</summary>
    public static SessionRankingMetrics Evaluate(ISessionModel model, SessionDataset test, RankingEvaluatorOptions options)
    {
        var cutoffs = options.Cutoffs.Distinct().Order().ToArray();
        var items = model.Items;
        int n = items.Count;
        int kMax = Math.Min(cutoffs[^1], n);
        bool lists = options.ComputeListMetrics;
        var supports = items.GetSupports();
        double max = supports.Length == 0 ? 0 : supports.Max();
        var popularity = supports.Select(s => max > 0 ? s / max : double.NaN).ToArray();
        var bestListPosition = new int[n];
        Array.Fill(bestListPosition, int.MaxValue);
        var hits = new long[cutoffs.Length];
        var rrSum = new double[cutoffs.Length];
        var ndcgSum = new double[cutoffs.Length];
        var popSum = new double[cutoffs.Length];
        long predictions = 0;
        int sessions = 0;
        int slots = Math.Max(1, Math.Min(options.Slots, test.SessionCount));
        var session = new int[slots];
        var position = new int[slots];
        var input = new int[slots];
        var target = new int[slots];
        var scores = new float[checked(slots * n)];
        var top = new int[kMax];
        var topScores = new float[kMax];
        int nextSession = 0;
        using var scorer = model.CreateScorer(slots);

        void Assign(int slot)
        {
            while (nextSession < test.SessionCount && test.GetSessionLength(nextSession) < 2) nextSession++;
            if (nextSession == test.SessionCount) { session[slot] = -1; return; }
            session[slot] = nextSession++;
            position[slot] = 0;
            sessions++;
            scorer.ResetSlot(slot);
        }

        for (int s = 0; s < slots; s++) Assign(s);
        var active = new List<int>();
        while (true)
        {
            active.Clear();
            for (int s = 0; s < slots; s++)
            {
                if (session[s] < 0) { input[s] = -1; continue; }
                var events = test.GetSession(session[s]);
                input[s] = events[position[s]];
                target[s] = events[position[s] + 1];
                active.Add(s);
            }
            if (active.Count == 0) break;
            scorer.Step(input, scores);
            foreach (int s in active)
            {
                var row = new ReadOnlySpan<float>(scores, s * n, n);
                double rank = RankingEvaluator.Rank(row, target[s], options.Ties, model.Name);
                predictions++;
                for (int c = 0; c < cutoffs.Length; c++)
                    if (rank <= cutoffs[c]) { hits[c]++; rrSum[c] += 1.0 / rank; ndcgSum[c] += 1.0 / Math.Log2(rank + 1.0); }
                if (!lists) continue;
                TopKSelection.Select(row, null, kMax, top, topScores);
                for (int p = 0; p < kMax; p++) if (p < bestListPosition[top[p]]) bestListPosition[top[p]] = p;
                for (int c = 0; c < cutoffs.Length; c++)
                {
                    int k = Math.Min(cutoffs[c], n);
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += popularity[top[p]];
                    popSum[c] += sum / k;
                }
            }
            foreach (int s in active)
            {
                position[s]++;
                if (position[s] + 1 >= test.GetSessionLength(session[s])) Assign(s);
            }
        }
        var result = new CutoffMetrics[cutoffs.Length];
        for (int c = 0; c < cutoffs.Length; c++)
        {
            double coverage = lists ? bestListPosition.Count(p => p < cutoffs[c]) / (double)n : double.NaN;
            double pop = lists ? popSum[c] / predictions : double.NaN;
            result[c] = new CutoffMetrics(cutoffs[c], hits[c] / (double)predictions, rrSum[c] / predictions, ndcgSum[c] / predictions, coverage, pop);
        }
        return new SessionRankingMetrics(model.Name, result, predictions, sessions, test.DroppedUnknownItemEvents, options.Ties, n);
    }

    /// <summary>The previous streaming list: one slot stepped through the prefix, the full row selected on the host.</summary>
    public static (int[] Items, float[] Scores) StreamingList(ISessionModel model, IReadOnlyList<int> prefix, int k)
    {
        int n = model.Items.Count;
        var scores = new float[n];
        using var scorer = model.CreateScorer(1);
        foreach (int item in prefix) scorer.Step([item], scores);
        k = Math.Min(k, n);
        var items = new int[k];
        var values = new float[k];
        int count = TopKSelection.Select(scores, null, k, items, values);
        return (items[..count], values[..count]);
    }

    /// <summary>Asserts that two evaluations agree to 1e-9 in every metric and count.</summary>
    public static void AssertSame(SessionRankingMetrics expected, SessionRankingMetrics actual, string what)
    {
        Assert.AreEqual(expected.Predictions, actual.Predictions, $"{what}: predictions");
        Assert.AreEqual(expected.Sessions, actual.Sessions, $"{what}: sessions");
        Assert.HasCount(expected.Cutoffs.Count, actual.Cutoffs, $"{what}: cut-offs");
        for (int c = 0; c < expected.Cutoffs.Count; c++)
        {
            var e = expected.Cutoffs[c];
            var a = actual.Cutoffs[c];
            string at = $"{what} @{e.Cutoff}";
            Assert.AreEqual(e.Recall, a.Recall, 1e-9, $"{at}: recall");
            Assert.AreEqual(e.Mrr, a.Mrr, 1e-9, $"{at}: MRR");
            Assert.AreEqual(e.Ndcg, a.Ndcg, 1e-9, $"{at}: NDCG");
            if (double.IsNaN(e.Coverage)) Assert.IsTrue(double.IsNaN(a.Coverage), $"{at}: coverage");
            else Assert.AreEqual(e.Coverage, a.Coverage, 1e-9, $"{at}: coverage");
            if (double.IsNaN(e.Popularity)) Assert.IsTrue(double.IsNaN(a.Popularity), $"{at}: popularity");
            else Assert.AreEqual(e.Popularity, a.Popularity, 1e-9, $"{at}: popularity");
        }
    }
}
