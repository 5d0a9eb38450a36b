namespace MLNet.SessionRec;

/// <summary>Columns and list length shared by all session recommendation trainers.</summary>
public abstract class SessionTrainerOptions
{
    /// <summary>Session id column of the training events (text, integer or key).</summary>
    public string SessionColumnName { get; set; } = DefaultColumns.SessionId;

    /// <summary>
    /// Item id column (text, integer or key): one item per training event; at prediction the same column holds
    /// the session's items so far (a vector).
    /// </summary>
    public string ItemColumnName { get; set; } = DefaultColumns.ItemId;

    /// <summary>Event time column of the training events (numeric seconds, DateTime or text).</summary>
    public string TimeColumnName { get; set; } = DefaultColumns.Time;

    /// <summary>Output column of the recommended items.</summary>
    public string PredictedItemsColumnName { get; set; } = DefaultColumns.PredictedItems;

    /// <summary>Output column of the recommended items' scores.</summary>
    public string ScoreColumnName { get; set; } = DefaultColumns.Score;

    /// <summary>Length of the recommendation lists. Default 20.</summary>
    public int TopK { get; set; } = DefaultColumns.TopK;
}
