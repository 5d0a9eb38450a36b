namespace MLNet.SessionRec;

/// <summary>How the rank of the target counts items whose score equals the target's score.</summary>
public enum TieHandling
{
    /// <summary>
    /// Rank = number of items scored higher than or equal to the target (target included): every tie is counted
    /// against the model, so a model that scores everything equal never hits. The official GRU4Rec default and ours.
    /// </summary>
    Conservative,

    /// <summary>Rank = 1 + number of items scored strictly higher: every tie is resolved in the target's favour.</summary>
    Standard,

    /// <summary>Rank = mean of <see cref="Standard"/> and <see cref="Conservative"/>: the expected rank under random tie order.</summary>
    Median,
}
