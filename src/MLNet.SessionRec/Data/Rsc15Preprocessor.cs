namespace MLNet.SessionRec.Data;

/// <summary>The four files written by <see cref="Rsc15Preprocessor.Run"/>.</summary>
/// <param name="TrainFull">All training sessions.</param>
/// <param name="Test">Sessions ending in the last day, restricted to training items, length at least 2.</param>
/// <param name="TrainTr">Training sessions that end before the last training day.</param>
/// <param name="TrainValid">Training sessions ending in the last training day (validation), filtered like the test.</param>
/// <param name="RawEvents">Events read from the raw file.</param>
public sealed record Rsc15Files(SessionFileSummary TrainFull, SessionFileSummary Test, SessionFileSummary TrainTr,
    SessionFileSummary TrainValid, long RawEvents);

/// <summary>
/// The RSC15 preprocessing of the official GRU4Rec (examples/rsc15/preprocess.py), step for step:
/// keep sessions of length &gt; 1; then items with support &gt;= 5; then sessions of length &gt;= 2 (one pass, no
/// iteration); test = sessions whose last event is within 86,400 s of the latest event, train_full = the rest; test
/// keeps only train_full's items, then sessions of length &gt;= 2; the same split of train_full gives train_tr and
/// train_valid. Files are TSV <c>SessionId ItemId Time</c> in raw file order. One difference: times are read as UTC,
/// where the script's <c>strptime(...).timestamp()</c> uses the machine's local zone (a constant shift, which the
/// script itself notes does not matter).
/// </summary>
public static class Rsc15Preprocessor
{
    /// <summary>Seconds in the test (and validation) period: one day.</summary>
    public const double SplitSeconds = 86_400;

    /// <summary>
    /// Reads <paramref name="clicksPath"/> (<c>yoochoose-clicks.dat</c>: no header, <c>SessionId,Timestamp,ItemId,Category</c>)
    /// and writes <c>{prefix}_train_full.txt</c>, <c>_test.txt</c>, <c>_train_tr.txt</c>, <c>_train_valid.txt</c> into
    /// <paramref name="outputDirectory"/>.
    /// </summary>
    public static Rsc15Files Run(string clicksPath, string outputDirectory, string prefix = "rsc15")
    {
        Directory.CreateDirectory(outputDirectory);
        var table = SessionFileReader.ReadTable(clicksPath, SessionFileOptions.Rsc15Raw, vocabulary: null);
        var data = EventSelection.All(table).KeepSessionsOfLength(2).KeepItemsOfSupport(5).KeepSessionsOfLength(2);
        var (train, test) = data.SplitByTime(SplitSeconds, SessionTimeSplitBy.SessionEnd);
        test = test.KeepItemsIn(train).KeepSessionsOfLength(2);
        var (trainTr, valid) = train.SplitByTime(SplitSeconds, SessionTimeSplitBy.SessionEnd);
        valid = valid.KeepItemsIn(trainTr).KeepSessionsOfLength(2);
        string File(string part) => Path.Combine(outputDirectory, $"{prefix}_{part}.txt");
        return new Rsc15Files(train.Write(File("train_full")), test.Write(File("test")), trainTr.Write(File("train_tr")),
            valid.Write(File("train_valid")), table.Count);
    }
}
