using System.Diagnostics;
using System.Text.RegularExpressions;
using MLNet.SessionRec.Tests.App;

namespace MLNet.SessionRec.Tests.Gru4Rec;

/// <summary>
/// Loading libtorch from a directory (LibTorch.Load, --libtorch, SESSIONREC_LIBTORCH): every refusal on the CPU, and
/// the whole route with the CPU libtorch of this build placed in a PyTorch-like folder, in a fresh process.
/// </summary>
[TestClass]
public sealed class LibTorchTests
{
    /// <summary>A folder laid out as a PyTorch install: torch/lib with <paramref name="libraries"/>, torch/version.py.</summary>
    private static string PyTorchLike(AppRunner.TempDir temp, string version, params string[] libraries)
    {
        string lib = Path.Combine(temp.Path, "torch", "lib");
        Directory.CreateDirectory(lib);
        File.WriteAllText(Path.Combine(temp.Path, "torch", "version.py"), $"__version__ = '{version}'\ndebug = False\ncuda: Optional[str] = '12.8'\n");
        foreach (string name in libraries) File.WriteAllBytes(Path.Combine(lib, LibTorch.FileName(name)), []);
        return lib;
    }

    [TestMethod]
    public void AMissingDirectoryIsRefused()
    {
        string missing = Path.Combine(Path.GetTempPath(), "sessionrec-no-such-libtorch", "lib");
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => LibTorch.Load(missing));
        StringAssert.Contains(e.Message, missing);
        Assert.IsNull(LibTorch.Loaded);
    }

    [TestMethod]
    public void TheEnvironmentVariableIsNamedInItsRefusal()
    {
        Assert.IsNull(LibTorch.LoadFromVariable(null));
        Assert.IsNull(LibTorch.LoadFromVariable(" "));
        string missing = Path.Combine(Path.GetTempPath(), "sessionrec-no-such-libtorch");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => LibTorch.LoadFromVariable(missing));
        StringAssert.StartsWith(e.Message, $"{LibTorch.EnvironmentVariable}={missing}: The libtorch directory");
    }

    [TestMethod]
    public void AFolderWithoutLibtorchIsRefused()
    {
        using var temp = new AppRunner.TempDir();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => LibTorch.Load(temp.Path));
        StringAssert.Contains(e.Message, LibTorch.FileName("torch_cpu"));
    }

    [TestMethod]
    public void AnotherVersionIsRefusedSayingWhatWasFound()
    {
        using var temp = new AppRunner.TempDir();
        string lib = PyTorchLike(temp, "2.5.1+cu121", "torch_cpu", "torch_cuda", "c10", "torch");
        var e = Assert.ThrowsExactly<NotSupportedException>(() => LibTorch.Load(lib));
        StringAssert.Contains(e.Message, "2.5.1+cu121");
        StringAssert.Contains(e.Message, "version.py");
        StringAssert.Contains(e.Message, "needs libtorch 2.10");
        Assert.IsNull(LibTorch.Loaded);

        // A libtorch archive names its version in build-version; 2.10.x of any flavour is accepted by the check.
        using var archive = new AppRunner.TempDir();
        string archiveLib = Path.Combine(archive.Path, "libtorch", "lib");
        Directory.CreateDirectory(archiveLib);
        File.WriteAllText(Path.Combine(archive.Path, "libtorch", "build-version"), "2.9.0+cpu\n");
        Assert.AreEqual(("2.9.0+cpu", Path.Combine(archive.Path, "libtorch", "build-version")), LibTorch.ReadVersion(archiveLib));
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => LibTorch.CheckVersion(archiveLib, "2.9.0+cpu", "build-version")).Message, "2.9.0+cpu");
        LibTorch.CheckVersion(archiveLib, "2.10.0+cu128", "version.py");
        LibTorch.CheckVersion(archiveLib, "2.10.1", "version.py");
        Assert.ThrowsExactly<NotSupportedException>(() => LibTorch.CheckVersion(archiveLib, "2.1.0", "version.py"));
        Assert.ThrowsExactly<NotSupportedException>(() => LibTorch.CheckVersion(archiveLib, "12.10.0", "version.py"));
    }

    [TestMethod]
    public void AnUnknownVersionIsRefused()
    {
        using var temp = new AppRunner.TempDir();
        File.WriteAllBytes(Path.Combine(temp.Path, LibTorch.FileName("torch_cpu")), []);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => LibTorch.Load(temp.Path));
        StringAssert.Contains(e.Message, "version.py");
        StringAssert.Contains(e.Message, "2.10");
    }

    /// <summary>Once TorchSharp has loaded its libtorch, another one cannot be brought in: refused, nothing loaded.</summary>
    [TestMethod]
    public void LoadingAfterTorchSharpInitialisedIsRefused()
    {
        using (var t = TorchSharp.torch.zeros(1)) Assert.AreEqual(0f, t.item<float>()); // TorchSharp is initialised now
        string? mapped = LibTorch.LoadedTorchModule();
        Assert.IsNotNull(mapped, "the process maps libtorch now");
        using var temp = new AppRunner.TempDir();
        string lib = PyTorchLike(temp, "2.10.0+cu128", "torch_cpu", "torch_cuda", "c10", "torch");
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => LibTorch.Load(lib));
        StringAssert.Contains(e.Message, "already loaded libtorch");
        StringAssert.Contains(e.Message, mapped);
        Assert.IsNull(LibTorch.Loaded);
    }

    [TestMethod]
    public void TheAppSaysWhyItCannotUseTheDirectory()
    {
        string missing = Path.Combine(Path.GetTempPath(), "sessionrec-no-such-libtorch");
        AppRunner.Run("train", "--libtorch", missing, "--train", TestData.Rsc15("train_full"), "-o", "unused.zip")
            .AssertOneLineError($"--libtorch: The libtorch directory '{missing}' does not exist.");
        using var temp = new AppRunner.TempDir();
        string lib = PyTorchLike(temp, "2.11.0+cu130", "torch_cpu");
        AppRunner.Run("--libtorch", lib, "--models", "pop").AssertOneLineError("holds libtorch 2.11.0+cu130");
    }

    /// <summary>The required version is the one of the libtorch package this repository builds against.</summary>
    [TestMethod]
    public void TheRequiredVersionIsTheBuildsLibtorch()
    {
        string props = File.ReadAllText(Path.Combine(TestData.RepoRoot, "Directory.Packages.props"));
        string Version(string package) => Regex.Match(props, $"Include=\"{Regex.Escape(package)}\"\\s+Version=\"([^\"]+)\"").Groups[1].Value;
        StringAssert.StartsWith(Version("libtorch-cpu-linux-x64"), LibTorch.RequiredVersion + ".");
        StringAssert.StartsWith(Version("TorchSharp"), "0.107.");
        StringAssert.StartsWith(typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(), "0.107.");
    }

    private static string AppDirectory()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string appDir = Path.Combine(TestData.RepoRoot, "samples", "MLNet.SessionRec.Evaluation", "bin", configuration, "net10.0");
        Assert.IsTrue(File.Exists(Path.Combine(appDir, AppDll)), $"app not built: {appDir}");
        return appDir;
    }

    private const string AppDll = "MLNet.SessionRec.Evaluation.dll";

    private static readonly Regex LibTorchFile = new(@"^lib(c10|c10_cuda|torch|torch_cpu|torch_cuda|torch_global_deps|gomp-[0-9a-f]+|shm|aoti_custom_ops|backend_with_compiler|jitbackend_test|nnapi_backend|torchbind_test|torch_python)\.so(\.\d+)?$");

    /// <summary>
    /// An application that ships libtorch (this repository's default build) refuses a libtorch directory with the path of
    /// its own copy: TorchSharp would load both, and two copies abort the process.
    /// </summary>
    [TestMethod]
    public void AnApplicationWithItsOwnLibtorchIsRefused()
    {
        string appDir = AppDirectory();
        using var temp = new AppRunner.TempDir();
        string lib = PyTorchLike(temp, "2.10.0+cu128", "torch_cpu", "torch_cuda", "c10", "torch");
        var (code, _, err) = RunApp(Path.Combine(appDir, AppDll), ["--libtorch", lib, "--models", "pop"]);
        Assert.AreEqual(1, code, err);
        StringAssert.Contains(err, "error: --libtorch: This application ships its own libtorch");
        StringAssert.Contains(err, Path.Combine("runtimes", "linux-x64", "native", "libtorch_cpu.so"));
        StringAssert.Contains(err, "-p:TorchBackend=none");
        Assert.HasCount(1, err.Split('\n', StringSplitOptions.RemoveEmptyEntries), err);
    }

    /// <summary>
    /// The route end to end on the CPU: the app without its libtorch (as built with -p:TorchBackend=none: its files
    /// linked, libtorch left out) loads this build's libtorch from a PyTorch-like torch/lib with --libtorch, in a fresh
    /// process, and trains the same model, bit for bit, as the app with its own.
    /// </summary>
    [TestMethod]
    public void TheAppTrainsWithLibtorchFromADirectoryLikeWithItsOwn()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("the check links Linux libtorch files");
        string appDir = AppDirectory();
        string natives = Path.Combine(appDir, "runtimes", "linux-x64", "native");
        using var temp = new AppRunner.TempDir();
        // The app without libtorch: hard links (the host resolves symbolic links to the original folder), copies where they fail.
        string bare = Path.Combine(temp.Path, "app");
        foreach (string file in Directory.GetFiles(appDir, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(appDir, file);
            if (Path.GetDirectoryName(file) == natives && LibTorchFile.IsMatch(Path.GetFileName(file))) continue;
            string target = Path.Combine(bare, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (HardLink(file, target) != 0) File.Copy(file, target);
        }
        string lib = Path.Combine(temp.Path, "torch", "lib");
        Directory.CreateDirectory(lib);
        File.WriteAllText(Path.Combine(temp.Path, "torch", "version.py"), "__version__ = '2.10.0+cpu'\n");
        foreach (string file in Directory.GetFiles(natives))
            if (LibTorchFile.IsMatch(Path.GetFileName(file))) File.CreateSymbolicLink(Path.Combine(lib, Path.GetFileName(file)), file);
        string[] train = ["train", "-q", "--train", TestData.Rsc15("train_full"), "--n-epochs", "1", "--layers", "8", "--n-sample", "16", "--batch-size", "64"];

        var (code, _, err) = RunApp(Path.Combine(bare, AppDll), [.. train, "-o", temp.File("dir.zip"), "--libtorch", lib]);
        Assert.AreEqual(0, code, err);
        StringAssert.Contains(err, $"libtorch 2.10.0+cpu (CPU only) from {lib}");
        (code, _, err) = RunApp(Path.Combine(appDir, AppDll), [.. train, "-o", temp.File("own.zip")]);
        Assert.AreEqual(0, code, err);
        CollectionAssert.AreEqual(ModelBody(temp.File("own.zip")), ModelBody(temp.File("dir.zip")), "the model differs with the directory's libtorch");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int HardLink(string existing, string created);

    private static byte[] ModelBody(string zip)
    {
        using var archive = System.IO.Compression.ZipFile.OpenRead(zip);
        using var stream = archive.GetEntry("TransformerChain/SessionModel.bin")!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static (int Code, string Out, string Err) RunApp(string app, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(app);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove(LibTorch.EnvironmentVariable);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3))) { process.Kill(true); Assert.Fail("app timed out"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
