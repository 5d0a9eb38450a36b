namespace MLNet.SessionRec.Data;

/// <summary>How the time column of an event table is written.</summary>
public enum SessionTimeFormat
{
    /// <summary>Unix time in seconds, integer or fractional (GRU4Rec's format). The default.</summary>
    UnixSeconds,

    /// <summary>Unix time in milliseconds.</summary>
    UnixMilliseconds,

    /// <summary>
    /// A date/time text: ISO 8601 (e.g. <c>2014-04-07T10:51:09.277Z</c>, <c>2016-05-09</c>) when
    /// <see cref="SessionFileOptions.DateTimeFormat"/> is null, else that exact .NET format. Text without an offset
    /// is taken as UTC.
    /// </summary>
    DateTime,
}

/// <summary>How to read a session event table (a text file, by default with a header line).</summary>
public sealed class SessionFileOptions
{
    /// <summary>Name of the session id column. Default <c>SessionId</c>.</summary>
    public string SessionColumn { get; set; } = "SessionId";

    /// <summary>Name of the item id column. Default <c>ItemId</c>.</summary>
    public string ItemColumn { get; set; } = "ItemId";

    /// <summary>Name of the time column. Default <c>Time</c>.</summary>
    public string TimeColumn { get; set; } = "Time";

    /// <summary>Column separator; <c>null</c> (default) detects TAB, then ',', then ';' from the first line.</summary>
    public char? Separator { get; set; }

    /// <summary>
    /// Whether the first line names the columns (default true). Without a header, columns are named by their
    /// zero-based position: "0", "1", ...
    /// </summary>
    public bool HasHeader { get; set; } = true;

    /// <summary>Format of <see cref="TimeColumn"/>. Default <see cref="SessionTimeFormat.UnixSeconds"/>.</summary>
    public SessionTimeFormat TimeFormat { get; set; } = SessionTimeFormat.UnixSeconds;

    /// <summary>Exact .NET date/time format for <see cref="SessionTimeFormat.DateTime"/>; null accepts ISO 8601.</summary>
    public string? DateTimeFormat { get; set; }

    /// <summary>
    /// Optional column of offsets within a session (e.g. diginetica's <c>timeframe</c>). When set, an event's time is
    /// the earliest <see cref="TimeColumn"/> value of its session plus offset × <see cref="TimeOffsetSeconds"/>:
    /// the rule of GRU4Rec's diginetica preprocessing (session's first date + timeframe).
    /// </summary>
    public string? TimeOffsetColumn { get; set; }

    /// <summary>Seconds per unit of <see cref="TimeOffsetColumn"/>. Default 0.001 (milliseconds).</summary>
    public double TimeOffsetSeconds { get; set; } = 0.001;

    /// <summary>
    /// The most characters one line may have (default <see cref="BoundedLineReader.DefaultMaxLineLength"/>, 1 Mi): a
    /// longer line is an error naming the file and the line, so a binary file is refused without reading it whole.
    /// </summary>
    public int MaxLineLength { get; set; } = BoundedLineReader.DefaultMaxLineLength;

    /// <summary>
    /// Sessions with fewer events (after dropping unknown items) are skipped and counted in
    /// <see cref="SessionDataset.DroppedShortSessions"/>. Default 1: every session is kept (a session of length 1 is
    /// valid data; it simply yields no next-item prediction). GRU4Rec's preprocessing uses 2.
    /// </summary>
    public int MinSessionLength { get; set; } = 1;

    /// <summary>
    /// GRU4Rec's diginetica <c>train-item-views.csv</c>: <c>session_id;user_id;item_id;timeframe;eventdate</c>, time =
    /// session's first <c>eventdate</c> (UTC midnight) + <c>timeframe</c> milliseconds.
    /// </summary>
    public static SessionFileOptions Diginetica => new()
    {
        SessionColumn = "session_id",
        ItemColumn = "item_id",
        TimeColumn = "eventdate",
        Separator = ';',
        TimeFormat = SessionTimeFormat.DateTime,
        DateTimeFormat = "yyyy-MM-dd",
        TimeOffsetColumn = "timeframe",
        TimeOffsetSeconds = 0.001,
    };

    /// <summary>
    /// The raw RecSys Challenge 2015 <c>yoochoose-clicks.dat</c>: no header, comma separated
    /// <c>SessionId,Timestamp,ItemId,Category</c> with ISO 8601 UTC timestamps.
    /// </summary>
    public static SessionFileOptions Rsc15Raw => new()
    {
        HasHeader = false,
        Separator = ',',
        SessionColumn = "0",
        TimeColumn = "1",
        ItemColumn = "2",
        TimeFormat = SessionTimeFormat.DateTime,
    };
}
