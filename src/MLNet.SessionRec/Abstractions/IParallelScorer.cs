namespace MLNet.SessionRec;

/// <summary>A scorer that can spread one call over several threads.</summary>
public interface IParallelScorer
{
    /// <summary>
    /// Upper bound of the threads one call uses; -1 (default) lets the scorer choose from the work (one thread where
    /// a call is too small to gain from more).
    /// </summary>
    int MaxDegreeOfParallelism { get; set; }
}
