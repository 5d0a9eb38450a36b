namespace MLNet.SessionRec;

/// <summary>Settings of <see cref="RankingEvaluator"/>.</summary>
public sealed class RankingEvaluatorOptions
{
    /// <summary>List lengths K at which every metric is reported. Default <c>[20]</c>.</summary>
    public IReadOnlyList<int> Cutoffs { get; set; } = [20];

    /// <summary>Tie handling of the target's rank. Default <see cref="TieHandling.Conservative"/> (official GRU4Rec).</summary>
    public TieHandling Ties { get; set; } = TieHandling.Conservative;

    /// <summary>Test sessions followed in parallel (rows of one scoring batch). Default 512.</summary>
    public int Slots { get; set; } = 512;

    /// <summary>
    /// Whether to compute Coverage@K and Popularity@K, which need each prediction's top-K list (one partial
    /// selection per prediction). Default <c>true</c>; Recall, MRR and NDCG only need the target's rank.
    /// </summary>
    public bool ComputeListMetrics { get; set; } = true;

    /// <summary>
    /// Upper bound of the threads a scoring step uses (<see cref="IParallelScorer"/>); default -1: the scorer
    /// chooses (every core for work large enough to gain from it).
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;
}
