using System.Diagnostics;
using MLNet.SessionRec.Tests.App;

namespace MLNet.SessionRec.Tests.Bench;

/// <summary>
/// bench/gpu-check.sh stops at once, with the reason and exit code 3, where CUDA cannot initialise: it never builds or
/// trains first, and writes no JSON.
/// </summary>
[TestClass]
public sealed class GpuCheckScriptTests
{
    private static string Script => Path.Combine(TestData.RepoRoot, "bench", "gpu-check.sh");

    private static (int Code, string Err, double Seconds) Run(AppRunner.TempDir temp, params (string Name, string Value)[] environment)
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("the script is for Linux");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = temp.Path };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(temp.File("gpu-check.json"));
        start.Environment["WORK"] = temp.File("work");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) { process.Kill(true); Assert.Fail("gpu-check.sh did not stop at once"); }
        return (process.ExitCode, stderr.Result + stdout.Result, watch.Elapsed.TotalSeconds);
    }

    private static void MakeExecutable(string path)
    {
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void AssertStopped((int Code, string Err, double Seconds) r, AppRunner.TempDir temp, string reason)
    {
        Assert.AreEqual(3, r.Code, r.Err);
        string stop = r.Err.Split('\n').Single(l => l.StartsWith("gpu-check: STOP: ", StringComparison.Ordinal));
        StringAssert.Contains(stop, reason);
        Assert.IsLessThan(20.0, r.Seconds, "it must stop before building");
        Assert.IsFalse(File.Exists(temp.File("gpu-check.json")), "no report when CUDA does not initialise");
        Assert.IsFalse(Directory.Exists(temp.File("work")), "nothing built");
    }

    [TestMethod]
    public void WithoutAnNvidiaDriverItStopsAtOnce()
    {
        using var temp = new AppRunner.TempDir();
        AssertStopped(Run(temp, ("NVIDIA_SMI", temp.File("no-nvidia-smi"))), temp, "no NVIDIA driver");
    }

    [TestMethod]
    public void WhenNvidiaSmiFailsItStopsWithItsMessage()
    {
        using var temp = new AppRunner.TempDir();
        string smi = temp.File("nvidia-smi");
        File.WriteAllText(smi, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n");
        MakeExecutable(smi);
        AssertStopped(Run(temp, ("NVIDIA_SMI", smi)), temp, "couldn't communicate with the NVIDIA driver");
    }

    /// <summary>A driver but a PyTorch whose CUDA does not initialise: PyTorch's own reason.</summary>
    [TestMethod]
    public void WhenPyTorchCannotInitialiseCudaItStopsWithPyTorchsReason()
    {
        using var temp = new AppRunner.TempDir();
        string smi = temp.File("nvidia-smi");
        File.WriteAllText(smi, "#!/bin/sh\ncase \"$1\" in --query-gpu*) echo \"NVIDIA H200, 570.86.15, 143771 MiB\";; *) echo \"CUDA Version: 12.8\";; esac\n");
        MakeExecutable(smi);
        string torch = Path.Combine(temp.Path, "py", "torch");
        Directory.CreateDirectory(torch);
        File.WriteAllText(Path.Combine(torch, "__init__.py"),
            "import types\n__version__ = '2.10.0+cu128'\nversion = types.SimpleNamespace(cuda='12.8')\n" +
            "class _Cuda:\n    def init(self): raise RuntimeError('Found no NVIDIA driver on your system.')\n    def is_available(self): return False\ncuda = _Cuda()\n");
        var r = Run(temp, ("NVIDIA_SMI", smi), ("PYTHONPATH", Path.Combine(temp.Path, "py")));
        if (r.Err.Contains("python3 not found")) Assert.Inconclusive("no python3 here");
        AssertStopped(r, temp, "CUDA does not initialise in PyTorch 2.10.0+cu128: Found no NVIDIA driver on your system.");
        StringAssert.Contains(r.Err, "GPU NVIDIA H200 (143771 MiB), driver 570.86.15, driver CUDA 12.8", "the versions are printed first");
    }

    /// <summary>On this machine as it is: where there is no nvidia-smi, the check stops at once saying so.</summary>
    [TestMethod]
    public void OnAMachineWithoutCudaItStopsAtOnce()
    {
        bool hasSmi = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "nvidia-smi")));
        if (hasSmi) Assert.Inconclusive("this machine has nvidia-smi: run bench/gpu-check.sh itself");
        using var temp = new AppRunner.TempDir();
        AssertStopped(Run(temp), temp, "no NVIDIA driver: 'nvidia-smi' not found");
    }
}
