namespace MLNet.SessionRec.Data;

/// <summary>How to read a session event table (a text file with a header line).</summary>
public sealed class SessionFileOptions
{
    /// <summary>Name of the session id column. Default <c>SessionId</c>.</summary>
    public string SessionColumn { get; set; } = "SessionId";

    /// <summary>Name of the item id column. Default <c>ItemId</c>.</summary>
    public string ItemColumn { get; set; } = "ItemId";

    /// <summary>Name of the time column. Default <c>Time</c>.</summary>
    public string TimeColumn { get; set; } = "Time";

    /// <summary>Column separator; <c>null</c> (default) detects TAB, then ',', then ';' from the header.</summary>
    public char? Separator { get; set; }
}
