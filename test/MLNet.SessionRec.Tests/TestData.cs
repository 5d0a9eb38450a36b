namespace MLNet.SessionRec.Tests;

/// <summary>
/// Locates the real data sets: rsc15-100k's train_full and test files are bundled in the repository's data/rsc15-100k;
/// the others (rsc15-100k's train_tr/train_valid and session-rec lists, nowplaying, diginetica-sample) are in
/// ../shared/data beside the repository (or $SESSIONREC_DATA). Tests that need them are in the category
/// <see cref="SharedData"/> and report Inconclusive where they are absent (<see cref="RequireShared"/>).
/// </summary>
internal static class TestData
{
    public static string Root { get; } = FindRoot();

    /// <summary>The test category of tests that need ../shared/data.</summary>
    public const string SharedData = "SharedData";

    public static string Rsc15(string part) => part is "train_full" or "test"
        ? Path.Combine(RepoRoot, "data", "rsc15-100k", $"yoochoose-clicks-100k_{part}.txt")
        : RequireShared(Path.Combine("rsc15-100k", $"yoochoose-clicks-100k_{part}.txt"));

    public static string NowPlaying(string part) => RequireShared(Path.Combine("nowplaying", $"{part}.tsv"));

    /// <summary>The path of a file or folder of ../shared/data; the test is Inconclusive (not failed) where it is absent.</summary>
    public static string RequireShared(string relative)
    {
        string path = Path.Combine(Root, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"needs ../shared/data/{relative.Replace('\\', '/')} (absent): {path} not found; put the shared data sets beside the checkout or set SESSIONREC_DATA.");
        return path;
    }

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
        return Path.GetFullPath(Path.Combine(FindRepoRoot(), "..", "shared", "data"));
    }

    /// <summary>
    /// Whether libtorch takes its AVX-512 CPU kernels here, as on the machines where the checked-in GRU4Rec figures and
    /// fixtures were made: its vector code differs by instruction set in the last bit of a score, so GRU4Rec results
    /// are bit-identical only between machines on the same path.
    /// </summary>
    public static bool TorchTakesAvx512Path =>
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported &&
        System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported && System.Runtime.Intrinsics.X86.Avx512F.VL.IsSupported &&
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MKL_CBWR"));
}
