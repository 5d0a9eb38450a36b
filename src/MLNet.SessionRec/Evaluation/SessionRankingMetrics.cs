using System.Globalization;
using System.Text;

namespace MLNet.SessionRec;

/// <summary>Next-item ranking metrics at one cut-off K.</summary>
/// <param name="Cutoff">The list length K.</param>
/// <param name="Recall">Hit rate: share of predictions whose target rank is at most K.</param>
/// <param name="Mrr">Mean reciprocal rank: mean of 1/rank when rank ≤ K, else 0.</param>
/// <param name="Ndcg">Mean of 1/log2(rank + 1) when rank ≤ K, else 0 (one relevant item, so IDCG = 1).</param>
/// <param name="Coverage">Distinct items that appear in any top-K list, divided by the number of items; <c>NaN</c> when not computed.</param>
/// <param name="Popularity">
/// Mean over predictions of the mean of support/max-support over the top-K items (session-rec's "Popularity");
/// <c>NaN</c> when not computed.
/// </param>
public sealed record CutoffMetrics(int Cutoff, double Recall, double Mrr, double Ndcg, double Coverage, double Popularity);

/// <summary>
/// Result of a next-item evaluation (like ML.NET's <c>RankingMetrics</c>): metrics per cut-off, with the counts and
/// the tie handling they were computed under.
/// </summary>
public sealed class SessionRankingMetrics
{
    internal SessionRankingMetrics(string modelName, IReadOnlyList<CutoffMetrics> cutoffs, long predictions,
        int sessions, long droppedUnknownItemEvents, TieHandling ties, int itemCount)
    {
        ModelName = modelName;
        Cutoffs = cutoffs;
        Predictions = predictions;
        Sessions = sessions;
        DroppedUnknownItemEvents = droppedUnknownItemEvents;
        Ties = ties;
        ItemCount = itemCount;
    }

    /// <summary>Name of the evaluated model.</summary>
    public string ModelName { get; }

    /// <summary>Metrics for each requested cut-off, in ascending K.</summary>
    public IReadOnlyList<CutoffMetrics> Cutoffs { get; }

    /// <summary>Number of prediction points (test events that have a successor in their session).</summary>
    public long Predictions { get; }

    /// <summary>Number of test sessions evaluated.</summary>
    public int Sessions { get; }

    /// <summary>Test events dropped on load because their item is unknown to training (they are never targets).</summary>
    public long DroppedUnknownItemEvents { get; }

    /// <summary>Tie handling the ranks were computed with.</summary>
    public TieHandling Ties { get; }

    /// <summary>Number of ranked items (the training vocabulary).</summary>
    public int ItemCount { get; }

    /// <summary>The metrics at cut-off <paramref name="k"/>; throws when it was not requested.</summary>
    public CutoffMetrics At(int k) =>
        Cutoffs.FirstOrDefault(c => c.Cutoff == k) ?? throw new ArgumentException($"Cut-off {k} was not evaluated (have {string.Join(", ", Cutoffs.Select(c => c.Cutoff))}).", nameof(k));

    /// <summary>Recall@K (hit rate).</summary>
    public double RecallAt(int k) => At(k).Recall;

    /// <summary>MRR@K.</summary>
    public double MrrAt(int k) => At(k).Mrr;

    /// <summary>NDCG@K.</summary>
    public double NdcgAt(int k) => At(k).Ndcg;

    /// <summary>A small text table: one line per cut-off, with the counts and tie handling above it.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"{ModelName}: {Predictions} predictions in {Sessions} sessions, {ItemCount} items, ties {Ties.ToString().ToLowerInvariant()}, {DroppedUnknownItemEvents} unknown-item events dropped\n");
        sb.Append("    K    Recall       MRR      NDCG  Coverage  Popularity\n");
        foreach (var c in Cutoffs)
            sb.Append(CultureInfo.InvariantCulture, $"{c.Cutoff,5}  {c.Recall,8:F4}  {c.Mrr,8:F4}  {c.Ndcg,8:F4}  {c.Coverage,8:F4}  {c.Popularity,10:F4}\n");
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable();
}
