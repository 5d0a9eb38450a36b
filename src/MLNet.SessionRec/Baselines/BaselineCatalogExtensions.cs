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

    /// <summary>S-KNN: session-based kNN (session-rec's <c>knn.sknn.ContextKNN</c>; docs/evaluation.md).</summary>
    public static SessionBaselineTrainer SessionKnn(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int k = SessionKnnOptions.Defaults.K,
        int sampleSize = SessionKnnOptions.Defaults.SampleSize, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.SessionKnn, SessionKnn = new SessionKnnOptions { K = k, SampleSize = sampleSize } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>V-SKNN: vector multiplication session kNN (session-rec's <c>knn.vsknn.VMContextKNN</c>).</summary>
    public static SessionBaselineTrainer VectorSessionKnn(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int k = VectorSessionKnnOptions.Defaults.K,
        int sampleSize = VectorSessionKnnOptions.Defaults.SampleSize, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.VectorSessionKnn, VectorSessionKnn = new VectorSessionKnnOptions { K = k, SampleSize = sampleSize } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>S-SKNN: sequence-aware session kNN.</summary>
    public static SessionBaselineTrainer SequentialSessionKnn(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int k = SequentialSessionKnnOptions.Defaults.K,
        int sampleSize = SequentialSessionKnnOptions.Defaults.SampleSize, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.SequentialSessionKnn, SequentialSessionKnn = new SequentialSessionKnnOptions { K = k, SampleSize = sampleSize } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>STAN: sequence- and time-aware neighbourhood (Garg et al. 2019).</summary>
    public static SessionBaselineTrainer Stan(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int k = StanOptions.Defaults.K,
        int sampleSize = StanOptions.Defaults.SampleSize, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.Stan, Stan = new StanOptions { K = k, SampleSize = sampleSize } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    /// <summary>V-STAN: STAN with V-SKNN's weighting and IDF (Ludewig, Latifi &amp; Jannach 2021).</summary>
    public static SessionBaselineTrainer VStan(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, int k = VStanOptions.Defaults.K,
        int sampleSize = VStanOptions.Defaults.SampleSize, int topK = DefaultColumns.TopK) =>
        catalog.Baseline(Columns(new() { Baseline = SessionBaseline.VStan, VStan = new VStanOptions { K = k, SampleSize = sampleSize } },
            sessionColumnName, itemColumnName, timeColumnName, topK));

    private static SessionBaselineTrainer.Options Columns(SessionBaselineTrainer.Options options, string session, string item, string time, int topK)
    {
        options.SessionColumnName = session;
        options.ItemColumnName = item;
        options.TimeColumnName = time;
        options.TopK = topK;
        return options;
    }
}
