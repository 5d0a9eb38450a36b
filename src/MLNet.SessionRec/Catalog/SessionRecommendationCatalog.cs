using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec;

/// <summary>Entry point: <c>mlContext.SessionRecommendation()</c>.</summary>
public static class MLContextSessionRecommendationExtensions
{
    /// <summary>The session-based recommendation catalog (trainers and evaluation), like <c>mlContext.Recommendation()</c>.</summary>
    public static SessionRecommendationCatalog SessionRecommendation(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new SessionRecommendationCatalog(mlContext);
    }
}

/// <summary>Session-based next-item recommendation: trainers and evaluation.</summary>
public sealed class SessionRecommendationCatalog
{
    private readonly MLContext _ml;

    internal SessionRecommendationCatalog(MLContext mlContext)
    {
        _ml = mlContext;
        Trainers = new SessionRecommendationTrainers(mlContext);
    }

    /// <summary>
    /// Cancels training (and batched scoring) running on this <c>MLContext</c>: it stops with an
    /// <see cref="OperationCanceledException"/> at the next step. This is ML.NET's own <c>CancelExecution</c>,
    /// which <c>MLContext</c> implements only through an internal interface; after it the context stays cancelled.
    /// </summary>
    public void CancelExecution() => Persistence.MLNetInternals.CancelExecution(_ml);

    /// <summary>
    /// The trainers: GRU4Rec (<c>using MLNet.SessionRec.Gru4Rec;</c>) and the baselines
    /// (<c>using MLNet.SessionRec.Baselines;</c>) add themselves here as extension methods.
    /// </summary>
    public SessionRecommendationTrainers Trainers { get; }

    /// <summary>The trainers of the catalog; each model's namespace adds its own as extension methods.</summary>
    public sealed class SessionRecommendationTrainers
    {
        internal SessionRecommendationTrainers(MLContext mlContext) => Environment = mlContext;

        /// <summary>The context the trainers are created in (seed, device, log, cancellation).</summary>
        internal IHostEnvironment Environment { get; }
    }

    /// <summary>
    /// Wraps a model trained outside an ML.NET pipeline (e.g. by a trainer's <c>Train</c> on a
    /// <c>SessionDataset</c>) into the transformer that the trainers return, so that it can be
    /// used in pipelines and saved with <c>mlContext.Model.Save</c> (saving needs an <c>ISavableSessionModel</c>,
    /// as GRU4Rec and all baselines are). The transformer takes ownership: disposing it disposes the model.
    /// </summary>
    /// <param name="model">The trained model; item ids are its vocabulary's ids.</param>
    /// <param name="inputColumnName">Column with the session's items so far.</param>
    /// <param name="topK">Length of the recommendation lists.</param>
    /// <param name="predictedItemsColumnName">Output column of the recommended items.</param>
    /// <param name="scoreColumnName">Output column of their scores.</param>
    public SessionRecommendationTransformer CreateTransformer(ISessionModel model, string inputColumnName = DefaultColumns.ItemId,
        int topK = DefaultColumns.TopK, string predictedItemsColumnName = DefaultColumns.PredictedItems, string scoreColumnName = DefaultColumns.Score) =>
        new(_ml, model, inputColumnName, predictedItemsColumnName, scoreColumnName, topK);

    /// <summary>
    /// Next-item evaluation (Recall, MRR, NDCG, coverage and popularity at each cut-off) of the session
    /// recommender in <paramref name="model"/> on the test events in <paramref name="testEvents"/> (raw ids or
    /// keys with key values). Every event with a successor is a prediction point; events of items unknown to the
    /// model are dropped and counted; ties are <paramref name="ties"/> (conservative by default, as the official
    /// GRU4Rec evaluation).
    /// </summary>
    public SessionRankingMetrics Evaluate(ITransformer model, IDataView testEvents,
        string sessionColumnName = DefaultColumns.SessionId, string? itemColumnName = null, string timeColumnName = DefaultColumns.Time,
        IReadOnlyList<int>? cutoffs = null, TieHandling ties = TieHandling.Conservative)
    {
        ArgumentNullException.ThrowIfNull(testEvents);
        var transformer = SessionRecommenderLoading.Find(model);
        var options = new SessionFileOptions
        {
            SessionColumn = sessionColumnName,
            ItemColumn = itemColumnName ?? transformer.InputColumnName,
            TimeColumn = timeColumnName,
        };
        var test = SessionDataViewReader.Read(testEvents, options, transformer.Model.Items);
        return RankingEvaluator.Evaluate(transformer.Model, test, new RankingEvaluatorOptions { Cutoffs = cutoffs ?? [20], Ties = ties });
    }
}
