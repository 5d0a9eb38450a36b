using System.Diagnostics;

namespace MLNet.SessionRec.Tests.App;

/// <summary>
/// The built app as a child process, hurt as an unlucky user's machine would (issue 10): killed while it overwrites a
/// good model, out of space while it saves, interrupted while it waits on stdin. The model at the target always loads.
/// </summary>
[TestClass]
public sealed class FaultInjectionTests
{
    public TestContext TestContext { get; set; } = null!;

    private static string Train => TestData.Rsc15("train_full");

    /// <summary>
    /// SR training over an existing POP model, killed (SIGKILL) at 20 random moments: 10 anywhere in the run, 10 at a
    /// random delay after its temporary file appeared, i.e. while the model is being written. Every time the target
    /// loads and is either the old model (byte for byte) or the new one; at most the killed run's own temporary file
    /// (<c>.model.zip.*.tmp</c>) is left.
    /// </summary>
    [TestMethod]
    public void Killing_train_at_random_moments_never_leaves_a_corrupt_model()
    {
        using var dir = new AppRunner.TempDir();
        string target = dir.File("model.zip");
        Run(["train", "-q", "--models", "pop", "--train", Train, "-o", target]).AssertSuccess();
        byte[] old = File.ReadAllBytes(target);
        string[] overwrite = ["train", "-q", "--models", "sr", "--train", Train, "-o", target];
        Run(overwrite).AssertSuccess();
        // A warm run, timed: its whole length and how long its temporary file exists (the write, until the rename).
        var watch = Stopwatch.StartNew();
        double write;
        using (var process = Process.Start(StartInfo(overwrite))!)
        {
            while (!process.HasExited && !TempExists(dir.Path)) Thread.Sleep(1);
            double opened = watch.Elapsed.TotalSeconds;
            while (TempExists(dir.Path)) Thread.Sleep(1);
            write = Math.Max(watch.Elapsed.TotalSeconds - opened, 0.005);
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode);
        }
        double full = watch.Elapsed.TotalSeconds;
        var random = new Random(20261201);
        int kept = 0, replaced = 0, finished = 0, duringWrite = 0, temps = 0;
        for (int round = 0; round < 20; round++)
        {
            File.WriteAllBytes(target, old);
            using (var process = Process.Start(StartInfo(overwrite))!)
            {
                bool killed;
                if (round % 2 == 0) killed = !process.WaitForExit(TimeSpan.FromSeconds(full * random.NextDouble()));
                else
                {
                    // Wait for the temporary file, then kill within 1.3 times the time it lived in the warm run:
                    // most kills hit the write, some land after the rename.
                    while (!process.HasExited && !TempExists(dir.Path)) Thread.Sleep(1);
                    killed = !process.WaitForExit(TimeSpan.FromSeconds(1.3 * write * random.NextDouble()));
                    if (killed && TempExists(dir.Path)) duringWrite++;
                }
                if (killed) process.Kill(entireProcessTree: true);
                else finished++;
                process.WaitForExit();
            }
            using (var loaded = SessionRecommender.Load(target))
            {
                if (File.ReadAllBytes(target).AsSpan().SequenceEqual(old)) kept++;
                else
                {
                    Assert.AreEqual("sr", loaded.Model.Name, $"round {round}: the target is neither the old nor the new model");
                    replaced++;
                }
            }
            var left = Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).Where(f => f != "model.zip").ToList();
            Assert.IsLessThanOrEqualTo(1, left.Count, $"round {round}: {string.Join(", ", left)}");
            foreach (string file in left)
            {
                Assert.MatchesRegex(@"^\.model\.zip\.[0-9a-f]{32}\.tmp$", file, $"round {round}");
                File.Delete(Path.Combine(dir.Path, file));
                temps++;
            }
        }
        TestContext.WriteLine($"warm run {full:0.00} s, temporary file for {write:0.000} s; 20 rounds: {20 - finished} killed ({duringWrite} with the temporary file present), " +
            $"{finished} ended first; old model kept {kept}, new model {replaced}; temporary files left by kills {temps}");
        Assert.AreEqual(20, kept + replaced);
        Assert.IsGreaterThan(0, duringWrite, "no kill hit the write: the test did not test the write");
    }

    /// <summary>
    /// A write limit below the model's size (ulimit -f, with SIGXFSZ ignored so the write fails with EFBIG as on a full
    /// disk): one-line error, non-zero exit, the old model intact and loadable, no temporary file.
    /// </summary>
    [TestMethod]
    public void A_full_disk_during_the_save_keeps_the_old_model()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("uses bash and ulimit");
        using var dir = new AppRunner.TempDir();
        string target = dir.File("model.zip");
        Run(["train", "-q", "--models", "pop", "--train", Train, "-o", target]).AssertSuccess();
        byte[] old = File.ReadAllBytes(target);
        Assert.IsLessThan(64 << 10, old.Length, "the old model fits under the limit");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        // W^X off: its double mapping of code pages uses a file that the size limit would stop before the app starts.
        start.ArgumentList.Add("trap '' XFSZ; ulimit -f 64; DOTNET_EnableWriteXorExecute=0 exec dotnet \"$@\"");
        start.ArgumentList.Add("bash");
        foreach (string a in new[] { AppDll(), "train", "-q", "--models", "sr", "--train", Train, "-o", target }) start.ArgumentList.Add(a);
        var r = Run(start);
        r.AssertOneLineError("model.zip: the model could not be written (file too large: the file system's or the process's file size limit was reached); the previous file, if any, is unchanged");
        CollectionAssert.AreEqual(old, File.ReadAllBytes(target));
        using (var loaded = SessionRecommender.Load(target)) Assert.AreEqual("pop", loaded.Model.Name);
        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
    }

    /// <summary>Ctrl+C while recommend waits for the next line of stdin: "cancelled", exit 130, while stdin stays open.</summary>
    [TestMethod]
    public void Sigint_while_recommend_waits_on_stdin_exits_130()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("sends SIGINT");
        using var dir = new AppRunner.TempDir();
        string zip = dir.File("pop.zip");
        Run(["train", "-q", "--models", "pop", "--train", Train, "-o", zip]).AssertSuccess();
        var start = StartInfo(["recommend", "--model", zip, "--input", "-", "--top", "3"]);
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write("SessionId\tItemId\n1\t214716935\n");
        process.StandardInput.Flush();
        // Its answer to the one event: the app is now in its read loop, waiting for more.
        string? answer = process.StandardOutput.ReadLine();
        StringAssert.StartsWith(answer, "1\t0\t");
        Assert.AreEqual(0, Kill(process.Id, 2), "kill -INT");
        if (!process.WaitForExit(TimeSpan.FromSeconds(30))) { process.Kill(true); Assert.Fail("recommend ignored SIGINT while waiting on stdin"); }
        Assert.AreEqual(130, process.ExitCode, stderr.Result);
        Assert.AreEqual("cancelled", stderr.Result.Trim());
    }

    private static bool TempExists(string dir) => Directory.EnumerateFiles(dir, ".model.zip.*.tmp").Any();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string AppDll()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string dll = Path.Combine(TestData.RepoRoot, "samples", "MLNet.SessionRec.Evaluation", "bin", configuration, "net10.0", "MLNet.SessionRec.Evaluation.dll");
        Assert.IsTrue(File.Exists(dll), $"app not built: {dll}");
        return dll;
    }

    private static ProcessStartInfo StartInfo(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(AppDll());
        foreach (string a in args) start.ArgumentList.Add(a);
        return start;
    }

    private static AppRunner.Result Run(string[] args) => Run(StartInfo(args));

    private static AppRunner.Result Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(true); Assert.Fail("app timed out"); }
        return new AppRunner.Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
