using System.Numerics;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec;

/// <summary>
/// Next-item evaluation as in the official GRU4Rec code: every test event that has a successor in its session is a
/// prediction point, the target is the next item, all items of the model's (training) vocabulary are ranked, each
/// test session starts from a fresh state and items already seen are not excluded. Test events of items unknown to
/// training are dropped when the test set is read with the training vocabulary; their count is reported.
/// Sessions are evaluated in parallel slots of one <see cref="ISessionScorer"/>, so batched models score
/// <see cref="RankingEvaluatorOptions.Slots"/> sessions per call; each step moves the states
/// (<see cref="ISessionScorer.Advance"/>) and asks the scorer for one rank per slot (and the top-K list when list
/// metrics are on), so no slots × items matrix reaches the host.
/// </summary>
public sealed class RankingEvaluator
{
    private readonly RankingEvaluatorOptions _options;
    private readonly int[] _cutoffs;

    /// <summary>Creates an evaluator; <paramref name="options"/> default to Recall/MRR@20 with conservative ties.</summary>
    public RankingEvaluator(RankingEvaluatorOptions? options = null)
    {
        _options = options ?? new RankingEvaluatorOptions();
        if (_options.Cutoffs is null || _options.Cutoffs.Count == 0) throw new ArgumentException("At least one cut-off is required.", nameof(options));
        if (_options.Cutoffs.Any(k => k < 1)) throw new ArgumentException($"Cut-offs must be positive (got {string.Join(", ", _options.Cutoffs)}).", nameof(options));
        if (_options.Slots < 1) throw new ArgumentException($"Slots must be positive (got {_options.Slots}).", nameof(options));
        if (!Enum.IsDefined(_options.Ties)) throw new ArgumentException($"Unknown tie handling {_options.Ties}.", nameof(options));
        _cutoffs = _options.Cutoffs.Distinct().Order().ToArray();
    }

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="test"/> with the options given at construction.</summary>
    public static SessionRankingMetrics Evaluate(ISessionModel model, SessionDataset test, RankingEvaluatorOptions? options) =>
        new RankingEvaluator(options).Evaluate(model, test);

    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="test"/>, which must have been read with the model's
    /// training vocabulary (same items in the same order) and have at least one prediction point.
    /// </summary>
    public SessionRankingMetrics Evaluate(ISessionModel model, SessionDataset test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        var items = model.Items;
        CheckSameVocabulary(items, test.Items, model.Name);
        int n = items.Count;
        if (n == 0) throw new ArgumentException($"Model '{model.Name}' has no items.", nameof(model));

        int kMax = Math.Min(_cutoffs[^1], n);
        bool lists = _options.ComputeListMetrics;
        var popularity = lists ? RelativeSupports(items) : [];
        var bestListPosition = lists ? new int[n] : [];
        Array.Fill(bestListPosition, int.MaxValue);
        var hits = new long[_cutoffs.Length];
        var rrSum = new double[_cutoffs.Length];
        var ndcgSum = new double[_cutoffs.Length];
        var popSum = new double[_cutoffs.Length];
        long predictions = 0;
        int sessions = 0;

        int slots = Math.Max(1, Math.Min(_options.Slots, test.SessionCount));
        var session = new int[slots];
        var position = new int[slots];
        var input = new int[slots];
        var target = new int[slots];
        var ranks = new double[slots];
        var top = new int[lists ? slots * kMax : 0];
        var topScores = new float[top.Length];
        var topCounts = new int[lists ? slots : 0];
        var active = new List<int>(slots);
        int nextSession = 0;

        using var scorer = model.CreateScorer(slots);
        if (scorer.Slots != slots) throw new InvalidOperationException($"Model '{model.Name}' created a scorer with {scorer.Slots} slots instead of {slots}.");
        if (scorer is IParallelScorer parallel) parallel.MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism;

        // Gives the slot the next test session with at least one prediction point, or marks it idle.
        void Assign(int slot)
        {
            while (nextSession < test.SessionCount && test.GetSessionLength(nextSession) < 2) nextSession++;
            if (nextSession == test.SessionCount) { session[slot] = -1; return; }
            session[slot] = nextSession++;
            position[slot] = 0;
            sessions++;
            scorer.ResetSlot(slot);
        }

        var ties = _options.Ties;
        for (int s = 0; s < slots; s++) Assign(s);
        while (true)
        {
            active.Clear();
            for (int s = 0; s < slots; s++)
            {
                if (session[s] < 0) { input[s] = -1; target[s] = -1; continue; }
                var events = test.GetSession(session[s]);
                input[s] = events[position[s]];
                target[s] = events[position[s] + 1];
                active.Add(s);
            }
            if (active.Count == 0) break;

            // The state moves, then only one rank (and the top-K list) per active slot comes back from the scorer.
            scorer.Advance(input);
            try
            {
                if (lists) scorer.RankAndTopK(target, ties, ranks, kMax, top, topScores, topCounts, ranksWithinK: true); // only cut-offs ≤ kMax count
                else scorer.Rank(target, ties, ranks);
            }
            catch (InvalidOperationException e) when (e.Message.Contains("as NaN", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Model '{model.Name}' scored a target item as NaN ({e.Message}).", e);
            }

            for (int a = 0; a < active.Count; a++) // sequential and in slot order: deterministic sums
            {
                int s = active[a];
                predictions++;
                double rank = ranks[s];
                for (int c = 0; c < _cutoffs.Length; c++)
                {
                    if (rank <= _cutoffs[c])
                    {
                        hits[c]++;
                        rrSum[c] += 1.0 / rank;
                        ndcgSum[c] += 1.0 / Math.Log2(rank + 1.0);
                    }
                }
                if (!lists) continue;
                var list = top.AsSpan(a * kMax, kMax);
                for (int p = 0; p < kMax; p++)
                    if (p < bestListPosition[list[p]]) bestListPosition[list[p]] = p;
                for (int c = 0; c < _cutoffs.Length; c++)
                {
                    int k = Math.Min(_cutoffs[c], n);
                    double sum = 0;
                    for (int p = 0; p < k; p++) sum += popularity[list[p]];
                    popSum[c] += sum / k;
                }
            }

            foreach (int s in active)
            {
                position[s]++;
                if (position[s] + 1 >= test.GetSessionLength(session[s])) Assign(s);
            }
        }

        if (predictions == 0)
            throw new ArgumentException("The test set has no prediction point (no session with two or more events of known items).", nameof(test));
        var result = new CutoffMetrics[_cutoffs.Length];
        for (int c = 0; c < _cutoffs.Length; c++)
        {
            double count = predictions;
            double coverage = double.NaN, pop = double.NaN;
            if (lists)
            {
                int k = _cutoffs[c];
                coverage = bestListPosition.Count(p => p < k) / (double)n;
                pop = popSum[c] / count;
            }
            result[c] = new CutoffMetrics(_cutoffs[c], hits[c] / count, rrSum[c] / count, ndcgSum[c] / count, coverage, pop);
        }
        return new SessionRankingMetrics(model.Name, result, predictions, sessions, test.DroppedUnknownItemEvents, _options.Ties, n);
    }

    /// <summary>Rank of <paramref name="target"/> in <paramref name="row"/> (1 = best) under <paramref name="ties"/>; one pass.</summary>
    internal static double Rank(ReadOnlySpan<float> row, int target, TieHandling ties, string modelName = "model")
    {
        float t = row[target];
        if (float.IsNaN(t)) throw new InvalidOperationException($"Model '{modelName}' scored the target item {target} as NaN.");
        int higher = 0, equal = 0, j = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<float>.Count)
        {
            var tv = new Vector<float>(t);
            Vector<int> hi = Vector<int>.Zero, eq = Vector<int>.Zero;
            int w = Vector<float>.Count;
            for (; j <= row.Length - w; j += w)
            {
                var v = new Vector<float>(row.Slice(j, w));
                hi -= Vector.GreaterThan(v, tv); // true lanes are -1
                eq -= Vector.Equals(v, tv);
            }
            higher = Vector.Sum(hi);
            equal = Vector.Sum(eq);
        }
        for (; j < row.Length; j++)
        {
            if (row[j] > t) higher++;
            else if (row[j] == t) equal++;
        }
        // equal counts the target itself.
        return ties switch
        {
            TieHandling.Conservative => higher + equal,
            TieHandling.Standard => higher + 1,
            TieHandling.Median => higher + (equal + 1) / 2.0,
            _ => throw new ArgumentOutOfRangeException(nameof(ties)),
        };
    }

    private static double[] RelativeSupports(ItemVocabulary items)
    {
        var supports = items.GetSupports();
        double max = supports.Length == 0 ? 0 : supports.Max();
        return supports.Select(s => max > 0 ? s / max : double.NaN).ToArray();
    }

    private static void CheckSameVocabulary(ItemVocabulary model, ItemVocabulary test, string name)
    {
        if (ReferenceEquals(model, test)) return;
        bool same = model.Count == test.Count;
        for (int i = 0; same && i < model.Count; i++) same = model.GetId(i) == test.GetId(i);
        if (!same)
            throw new ArgumentException($"The test set's item vocabulary differs from model '{name}''s; read the test file with the model's training vocabulary (SessionFileReader.Read(path, options, model.Items)).");
    }
}
