using Microsoft.ML;
using MLNet.SessionRec.Data;

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

    /// <summary>
    /// Event time column of the training events: a number (read per <see cref="TimeFormat"/>), DateTime,
    /// DateTimeOffset or text (read per <see cref="TimeFormat"/> and <see cref="DateTimeFormat"/>).
    /// </summary>
    public string TimeColumnName { get; set; } = DefaultColumns.Time;

    /// <summary>
    /// How numbers and text in the time column are read: <see cref="SessionTimeFormat.UnixSeconds"/> (the default),
    /// <see cref="SessionTimeFormat.UnixMilliseconds"/>, or <see cref="SessionTimeFormat.DateTime"/> for text dates
    /// (ISO 8601 such as <c>2014-04-02 11:17:46.940</c> or <c>2014-04-02T11:17:46Z</c>, or <see cref="DateTimeFormat"/>).
    /// DateTime and DateTimeOffset columns need no format.
    /// </summary>
    public SessionTimeFormat TimeFormat { get; set; } = SessionTimeFormat.UnixSeconds;

    /// <summary>Exact .NET date/time format of a text time column when <see cref="TimeFormat"/> is DateTime (null: ISO 8601).</summary>
    public string? DateTimeFormat { get; set; }

    /// <summary>
    /// Validation events (same columns as the training data), evaluated after every epoch by trainers that train in
    /// epochs (GRU4Rec; its per-epoch Recall/MRR go to the log), like <c>ValidationSet</c> of ML.NET's TorchSharp
    /// trainers. Baselines train in one pass and ignore it. Null: none.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Output column of the recommended items.</summary>
    public string PredictedItemsColumnName { get; set; } = DefaultColumns.PredictedItems;

    /// <summary>Output column of the recommended items' scores.</summary>
    public string ScoreColumnName { get; set; } = DefaultColumns.Score;

    /// <summary>Length of the recommendation lists. Default 20.</summary>
    public int TopK { get; set; } = DefaultColumns.TopK;
}
