namespace MLNet.SessionRec.Baselines;

/// <summary>The session baselines on <c>mlContext.SessionRecommendation().Trainers</c>.</summary>
public static class BaselineCatalogExtensions
{
    /// <summary>A baseline with all options.</summary>
    public static SessionBaselineTrainer Baseline(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog, SessionBaselineTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new SessionBaselineTrainer(catalog.Environment, options);
    }

    /// <summary>POP: recommends the most popular training items.</summary>
    public static SessionBaselineTrainer Popularity(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.Popularity }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>S-POP: items popular in the current session, ties broken by training popularity.</summary>
    public static SessionBaselineTrainer SessionPopularity(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.SessionPopularity }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>Item-KNN (the GRU4Rec paper's baseline): neighbours of the last item by session co-occurrence.</summary>
    public static SessionBaselineTrainer ItemKnn(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int numberOfNeighbors = ItemKnnOptions.Defaults.Neighbors,
        double lambda = ItemKnnOptions.Defaults.Lambda, double alpha = ItemKnnOptions.Defaults.Alpha, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new()
        {
            Baseline = SessionBaseline.ItemKnn,
            ItemKnn = new ItemKnnOptions { Neighbors = numberOfNeighbors, Lambda = lambda, Alpha = alpha },
        }, sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>First-order Markov chain: the most frequent successors of the last item.</summary>
    public static SessionBaselineTrainer Markov(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = MarkovOptions.Defaults.Pruning, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.Markov, Markov = new MarkovOptions { Pruning = pruning } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>AR: association rules (session co-occurrence) of the last item.</summary>
    public static SessionBaselineTrainer AssociationRules(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = AssociationRulesOptions.Defaults.Pruning, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.AssociationRules, AssociationRules = new AssociationRulesOptions { Pruning = pruning } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>SR: sequential rules (later items within <paramref name="steps"/>, weighted by distance) of the last item.</summary>
    public static SessionBaselineTrainer SequentialRules(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int pruning = SequentialRulesOptions.Defaults.Pruning,
        int steps = SequentialRulesOptions.Defaults.Steps, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new()
        {
            Baseline = SessionBaseline.SequentialRules,
            SequentialRules = new SequentialRulesOptions { Pruning = pruning, Steps = steps },
        }, sessionColumnName, itemColumnName, timeColumnName, topK));

    private static SessionBaselineTrainer.Options Columns(SessionBaselineTrainer.Options options, string session, string item, string time, int topK)
    {
        options.SessionColumnName = session;
        options.ItemColumnName = item;
        options.TimeColumnName = time;
        options.TopK = topK;
        return options;
    }
}
