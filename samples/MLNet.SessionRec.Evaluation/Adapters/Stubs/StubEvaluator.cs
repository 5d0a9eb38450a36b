using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters.Stubs;

// TEMPORARY stand-in for the RankingEvaluator until it lands on main; removed at wiring time.
internal static class StubEvaluator
{
    public static (Dictionary<int, CutoffMetrics> ByCutoff, long Predictions) Evaluate(ISessionModel model, SessionDataset test, int[] cutoffs, TieMode ties)
    {
        int n = model.Items.Count;
        long maxSupport = Math.Max(1, model.Items.GetSupports().Max());
        var sums = cutoffs.ToDictionary(k => k, _ => new double[4]);
        var covered = cutoffs.ToDictionary(k => k, _ => new HashSet<int>());
        long predictions = 0;
        using var scorer = model.CreateScorer(1);
        var scores = new float[n];
        var order = new int[n];
        for (int s = 0; s < test.SessionCount; s++)
        {
            scorer.ResetSlot(0);
            var session = test.GetSession(s);
            for (int p = 0; p + 1 < session.Length; p++)
            {
                scorer.Step([session[p]], scores);
                float target = scores[session[p + 1]];
                int higher = 0, equal = 0;
                foreach (float v in scores) { if (v > target) higher++; else if (v == target) equal++; }
                double rank = ties switch
                {
                    TieMode.Standard => higher + 1,
                    TieMode.Median => higher + 1 + (equal - 1) / 2.0,
                    _ => higher + equal,
                };
                for (int i = 0; i < n; i++) order[i] = i;
                var keys = scores.Select(v => -v).ToArray();
                Array.Sort(keys, order);
                foreach (int k in cutoffs)
                {
                    var acc = sums[k];
                    if (rank <= k) { acc[0] += 1; acc[1] += 1 / rank; acc[2] += 1 / Math.Log2(rank + 1); }
                    for (int i = 0; i < Math.Min(k, n); i++) { covered[k].Add(order[i]); acc[3] += model.Items.GetSupport(order[i]) / (double)maxSupport / k; }
                }
                predictions++;
            }
        }
        var result = cutoffs.ToDictionary(k => k, k => new CutoffMetrics(
            sums[k][0] / predictions, sums[k][1] / predictions, sums[k][2] / predictions, covered[k].Count / (double)n, sums[k][3] / predictions));
        return (result, predictions);
    }
}
