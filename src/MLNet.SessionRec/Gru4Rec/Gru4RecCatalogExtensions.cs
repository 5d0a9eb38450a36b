namespace MLNet.SessionRec.Gru4Rec;

/// <summary>GRU4Rec on <c>mlContext.SessionRecommendation().Trainers</c>.</summary>
public static class Gru4RecCatalogExtensions
{
    /// <summary>GRU4Rec with all options (columns, the official parameters under .NET names, the run settings).</summary>
    public static Gru4RecTrainer Gru4Rec(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog, Gru4RecTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new Gru4RecTrainer(catalog.Environment, options);
    }

    /// <summary>
    /// GRU4Rec with the common parameters; those left null keep the official defaults (<see cref="Gru4RecParameters.All"/>).
    /// </summary>
    /// <param name="catalog">The trainers catalog.</param>
    /// <param name="sessionColumnName">Session id column of the training events.</param>
    /// <param name="itemColumnName">Item id column (one item per event; at prediction the session's items so far).</param>
    /// <param name="timeColumnName">Event time column.</param>
    /// <param name="loss">Training loss (official <c>loss</c>).</param>
    /// <param name="layerSizes">GRU layer sizes (official <c>layers</c>).</param>
    /// <param name="batchSize">Mini-batch size (official <c>batch_size</c>).</param>
    /// <param name="learningRate">Adagrad learning rate (official <c>learning_rate</c>).</param>
    /// <param name="numberOfEpochs">Passes over the data (official <c>n_epochs</c>).</param>
    /// <param name="topK">Length of the recommendation lists.</param>
    public static Gru4RecTrainer Gru4Rec(this SessionRecommendationCatalog.SessionRecommendationTrainers catalog,
        string sessionColumnName = DefaultColumns.SessionId, string itemColumnName = DefaultColumns.ItemId,
        string timeColumnName = DefaultColumns.Time, Gru4RecLoss? loss = null, int[]? layerSizes = null, int? batchSize = null,
        double? learningRate = null, int? numberOfEpochs = null, int topK = DefaultColumns.TopK)
    {
        var options = new Gru4RecTrainer.Options
        {
            SessionColumnName = sessionColumnName,
            ItemColumnName = itemColumnName,
            TimeColumnName = timeColumnName,
            TopK = topK,
        };
        if (loss is { } l) options.Loss = l;
        if (layerSizes != null) options.LayerSizes = layerSizes;
        if (batchSize is { } b) options.BatchSize = b;
        if (learningRate is { } r) options.LearningRate = r;
        if (numberOfEpochs is { } e) options.NumberOfEpochs = e;
        return catalog.Gru4Rec(options);
    }
}
