using Microsoft.ML;
using MLNet.SessionRec.Baselines;
using MLNet.SessionRec.Data;
using MLNet.SessionRec.Evaluation;
using MLNet.SessionRec.Pipeline;
using MLNet.SessionRec.Training;
using Gru4RecTrainer = MLNet.SessionRec.Pipeline.Gru4RecTrainer;

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
    public void CancelExecution() => ModelFormat.MLNetInternals.CancelExecution(_ml);

    /// <summary>The trainers: GRU4Rec and the baselines.</summary>
    public SessionRecommendationTrainers Trainers { get; }

    /// <summary>
    /// Wraps a model trained outside an ML.NET pipeline (e.g. <c>Gru4RecModel.Train</c> or a baseline's
    /// <c>Train</c> on a <c>SessionDataset</c>) into the transformer that the trainers return, so that it can be
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

/// <summary>Trainers of <see cref="SessionRecommendationCatalog"/>.</summary>
public sealed class SessionRecommendationTrainers
{
    private readonly MLContext _ml;

    internal SessionRecommendationTrainers(MLContext mlContext) => _ml = mlContext;

    /// <summary>GRU4Rec with all options (columns and the official hyper-parameters).</summary>
    public Gru4RecTrainer Gru4Rec(Gru4RecTrainer.Options options) => new(_ml, options);

    /// <summary>
    /// GRU4Rec with the common parameters; those left null keep the official defaults of <see cref="Gru4RecOptions"/>.
    /// </summary>
    public Gru4RecTrainer Gru4Rec(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, Gru4RecLoss? loss = null, int[]? layers = null, int? batchSize = null,
        double? learningRate = null, int? numberOfEpochs = null, int topK = DefaultColumns.TopK)
    {
        var parameters = new Gru4RecOptions();
        if (loss is { } l) parameters.Loss = l;
        if (layers != null) parameters.Layers = layers;
        if (batchSize is { } b) parameters.BatchSize = b;
        if (learningRate is { } r) parameters.LearningRate = r;
        if (numberOfEpochs is { } e) parameters.NEpochs = e;
        return Gru4Rec(Columns(new Gru4RecTrainer.Options { Parameters = parameters }, sessionColumnName, itemColumnName, timeColumnName, topK));
    }

    /// <summary>A baseline with all options.</summary>
    public SessionBaselineTrainer Baseline(SessionBaselineTrainer.Options options) => new(_ml, options);

    /// <summary>POP: recommends the most popular training items.</summary>
    public SessionBaselineTrainer Popularity(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options() { Baseline = SessionBaseline.Popularity }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>S-POP: items popular in the current session, ties broken by training popularity.</summary>
    public SessionBaselineTrainer SessionPopularity(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options() { Baseline = SessionBaseline.SessionPopularity }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>Item-KNN (the GRU4Rec paper's baseline): neighbours of the last item by session co-occurrence.</summary>
    public SessionBaselineTrainer ItemKnn(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int numberOfNeighbors = 100, double lambda = 20, double alpha = 0.5, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options()
        {
            Baseline = SessionBaseline.ItemKnn,
            ItemKnn = new ItemKnnOptions { Neighbors = numberOfNeighbors, Lambda = lambda, Alpha = alpha },
        }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>First-order Markov chain: the most frequent successors of the last item.</summary>
    public SessionBaselineTrainer Markov(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = 20, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options() { Baseline = SessionBaseline.Markov, Markov = new MarkovOptions { Pruning = pruning } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>AR: association rules (session co-occurrence) of the last item.</summary>
    public SessionBaselineTrainer AssociationRules(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = 20, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options() { Baseline = SessionBaseline.AssociationRules, AssociationRules = new AssociationRulesOptions { Pruning = pruning } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>SR: sequential rules (later items within <paramref name="steps"/>, weighted by distance) of the last item.</summary>
    public SessionBaselineTrainer SequentialRules(string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = 20, int steps = 10, int topK = DefaultColumns.TopK) =>
        Baseline(Columns(new SessionBaselineTrainer.Options() { Baseline = SessionBaseline.SequentialRules, SequentialRules = new SequentialRulesOptions { Pruning = pruning, Steps = steps } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    private static T Columns<T>(T options, string session, string item, string time, int topK) where T : SessionTrainerOptions
    {
        options.SessionColumnName = session;
        options.ItemColumnName = item;
        options.TimeColumnName = time;
        options.TopK = topK;
        return options;
    }
}
