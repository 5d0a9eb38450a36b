namespace MLNet.SessionRec.Tests;

/// <summary>Locates the real data sets in ../shared/data beside the repository (or $SESSIONREC_DATA).</summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    public static string Rsc15(string part) => Path.Combine(Root, "rsc15-100k", $"yoochoose-clicks-100k_{part}.txt");

    public static string NowPlaying(string part) => Path.Combine(Root, "nowplaying", $"{part}.tsv");

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "MLNet.SessionRec.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MLNet.SessionRec.sln not found above the test binaries.");
    }

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("SESSIONREC_DATA");
        if (!string.IsNullOrEmpty(env)) return env;
        string root = Path.GetFullPath(Path.Combine(FindRepoRoot(), "..", "shared", "data"));
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Test data not found at {root}; set SESSIONREC_DATA.");
        return root;
    }
}
