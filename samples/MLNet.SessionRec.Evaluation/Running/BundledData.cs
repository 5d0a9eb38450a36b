namespace MLNet.SessionRec.EvaluationApp.Running;

/// <summary>
/// The default data: the rsc15-100k train_full/test files bundled in the repository (data/rsc15-100k, see its
/// SOURCE.md) and copied next to the app's binaries by the build.
/// </summary>
internal static class BundledData
{
    /// <summary>File name of the bundled training events.</summary>
    public const string TrainFile = "yoochoose-clicks-100k_train_full.txt";

    /// <summary>File name of the bundled test events.</summary>
    public const string TestFile = "yoochoose-clicks-100k_test.txt";

    /// <summary>Full path of a bundled file: next to the binaries first, else in the repository above them.</summary>
    public static string Locate(string file)
    {
        string local = Path.Combine(AppContext.BaseDirectory, "data", "rsc15-100k", file);
        if (File.Exists(local)) return local;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "rsc15-100k", file);
            if (File.Exists(candidate)) return candidate;
        }
        throw new UsageException($"the bundled data file {file} was not found next to the app or in the repository; give --train and --test.");
    }
}
