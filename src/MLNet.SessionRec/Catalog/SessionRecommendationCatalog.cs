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
    /// <remarks>
    /// The test events go through the model's whole chain up to its session recommender (the transforms before it
    /// in the pipeline, e.g. <c>CopyColumns</c> or <c>MapValueToKey</c>), then are read with the session, item and
    /// time columns and the time format the model was trained with; a column name given here overrides the model's.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has an unusable type (ML.NET's "Schema mismatch").</exception>
    public SessionRankingMetrics Evaluate(ITransformer model, IDataView testEvents,
        string? sessionColumnName = null, string? itemColumnName = null, string? timeColumnName = null,
        IReadOnlyList<int>? cutoffs = null, TieHandling ties = TieHandling.Conservative)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(testEvents);
        var (transformer, events) = SessionRecommenderLoading.FindWithInput(model, testEvents);
        var options = new SessionFileOptions
        {
            SessionColumn = sessionColumnName ?? transformer.SessionColumnName,
            ItemColumn = itemColumnName ?? transformer.InputColumnName,
            TimeColumn = timeColumnName ?? transformer.TimeColumnName,
            TimeFormat = transformer.TimeFormat,
            DateTimeFormat = transformer.DateTimeFormat,
        };
        foreach (var (role, name) in new[] { ("session", options.SessionColumn), ("item", options.ItemColumn), ("time", options.TimeColumn) })
            if (events.Schema.GetColumnOrNull(name) is null) throw SchemaErrors.Missing(nameof(testEvents), role, name);
        var test = SessionDataViewReader.Read(events, options, transformer.Model.Items, () => Persistence.MLNetInternals.CheckAlive(_ml));
        return RankingEvaluator.Evaluate(transformer.Model, test, new RankingEvaluatorOptions { Cutoffs = cutoffs ?? [20], Ties = ties });
    }
}
