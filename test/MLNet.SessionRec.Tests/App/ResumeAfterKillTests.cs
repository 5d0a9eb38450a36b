using System.Diagnostics;
using System.IO.Compression;

namespace MLNet.SessionRec.Tests.App;

/// <summary>
/// The app killed with SIGKILL in the middle of epoch 3 of 5 and resumed from its checkpoint saves the model the
/// uninterrupted run saves, bit for bit (CPU, one thread, same seed).
/// </summary>
[TestClass]
public sealed class ResumeAfterKillTests
{
    [TestMethod]
    public void KilledInEpoch3Of5AndResumedGivesTheUninterruptedModelBitForBit()
    {
        using var temp = new AppRunner.TempDir();
        // The first 20,000 events of rsc15-100k: an epoch of this small network takes about a second.
        string train = temp.File("train.tsv");
        File.WriteAllLines(train, File.ReadLines(TestData.Rsc15("train_full")).Take(20_001));
        string folder = temp.File("checkpoints"), checkpoint = Path.Combine(folder, Gru4RecCheckpoint.FileName);
        string resumed = temp.File("resumed.zip"), straight = temp.File("straight.zip");
        string[] run = ["train", "--train", train, "--seed", "3", "--layers", "16", "--batch-size", "32", "--n-sample", "64", "--n-epochs", "5"];

        using (var app = StartApp([.. run, "-q", "-o", resumed, "--checkpoint-dir", folder]))
        {
            // The checkpoint of epoch 2 means epoch 3 has started; half an epoch later it is in its middle.
            var clock = Stopwatch.StartNew(); // only to choose when to kill; nothing is asserted on time
            TimeSpan? firstEpochDone = null;
            int epoch = 0;
            while (epoch < 2)
            {
                Assert.IsFalse(app.HasExited, $"the app ended before epoch 3: {app.StandardError.ReadToEnd()}");
                Assert.IsLessThan(TimeSpan.FromMinutes(3), clock.Elapsed, "the app did not reach epoch 3");
                epoch = File.Exists(checkpoint) ? Gru4RecCheckpoint.ReadEpoch(checkpoint) : 0;
                if (epoch == 1) firstEpochDone ??= clock.Elapsed;
                Thread.Sleep(5);
            }
            var epochLength = firstEpochDone is { } t ? clock.Elapsed - t : TimeSpan.FromSeconds(1);
            Thread.Sleep(epochLength / 2);
            app.Kill(); // SIGKILL
            app.WaitForExit();
        }
        Assert.AreEqual(2, Gru4RecCheckpoint.ReadEpoch(checkpoint), "killed in the middle of epoch 3");
        Assert.IsFalse(File.Exists(resumed), "a killed run saves no model");

        using (var app = StartApp([.. run, "-o", resumed, "--checkpoint-dir", folder, "--resume"], readOutput: true))
        {
            var output = app.StandardOutput.ReadToEndAsync();
            string err = app.StandardError.ReadToEnd();
            Assert.IsTrue(app.WaitForExit(TimeSpan.FromMinutes(3)), "the resumed run did not end");
            Assert.AreEqual(0, app.ExitCode, err);
            // It continued: epochs 3 to 5 only (a restart from epoch 1 would also end in the same model).
            StringAssert.Contains(output.Result, "epoch 3/5");
            Assert.DoesNotContain("epoch 2/5", output.Result);
        }
        Assert.AreEqual(5, Gru4RecCheckpoint.ReadEpoch(checkpoint));

        AppRunner.Run([.. run, "-q", "-o", straight]).AssertSuccess();
        AssertSameEntries(straight, resumed);
    }

    [TestMethod]
    public void TheAppRefusesInOneLineAResumeWithoutAFolderOrWithOtherParameters()
    {
        using var temp = new AppRunner.TempDir();
        string train = temp.File("train.tsv");
        File.WriteAllLines(train, File.ReadLines(TestData.Rsc15("train_full")).Take(5_001));
        string folder = temp.File("checkpoints");
        string[] run = ["train", "--train", train, "-q", "--layers", "16", "--batch-size", "32", "--n-sample", "64", "-o", temp.File("m.zip")];
        AppRunner.Run([.. run, "--resume"]).AssertOneLineError("--resume needs --checkpoint-dir DIR");
        AppRunner.Run([.. run, "--checkpoint-dir", folder, "--n-epochs", "1"]).AssertSuccess();
        AppRunner.Run([.. run, "--checkpoint-dir", folder, "--resume", "--learning-rate", "0.1", "--n-epochs", "2"])
            .AssertOneLineError("was made with other parameters (learning_rate=0.2 there, 0.1 here)");
    }

    /// <summary>Every entry of the two model zips holds the same bytes (the zips' own timestamps may differ).</summary>
    private static void AssertSameEntries(string expected, string actual)
    {
        using var a = ZipFile.OpenRead(expected);
        using var b = ZipFile.OpenRead(actual);
        CollectionAssert.AreEqual(a.Entries.Select(e => e.FullName).ToList(), b.Entries.Select(e => e.FullName).ToList());
        foreach (var entry in a.Entries)
            CollectionAssert.AreEqual(Read(entry), Read(b.GetEntry(entry.FullName)!), entry.FullName);
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The built app (this configuration's) as a child process, its output read by the caller.</summary>
    private static Process StartApp(string[] args, bool readOutput = false)
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string app = Path.Combine(TestData.RepoRoot, "samples", "MLNet.SessionRec.Evaluation", "bin", configuration, "net10.0", "MLNet.SessionRec.Evaluation.dll");
        Assert.IsTrue(File.Exists(app), $"app not built: {app}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = readOutput, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(app);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove(LibTorch.EnvironmentVariable);
        return Process.Start(start)!;
    }
}
