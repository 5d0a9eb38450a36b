namespace MLNet.SessionRec;

/// <summary>Default column names and list length of the session recommendation components.</summary>
public static class DefaultColumns
{
    /// <summary>Session id column of event data.</summary>
    public const string SessionId = "SessionId";

    /// <summary>Item id column: scalar in event data, the session's items so far (a vector) at prediction.</summary>
    public const string ItemId = "ItemId";

    /// <summary>Event time column of event data.</summary>
    public const string Time = "Time";

    /// <summary>Output column of recommended items.</summary>
    public const string PredictedItems = "PredictedItems";

    /// <summary>Output column of scores.</summary>
    public const string Score = "Score";

    /// <summary>Default list length.</summary>
    public const int TopK = 20;
}
