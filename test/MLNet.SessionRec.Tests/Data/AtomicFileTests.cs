using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class AtomicFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "atomic-" + Guid.NewGuid().ToString("N")));

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void A_failed_write_leaves_the_previous_file_and_no_temporary_file()
    {
        string path = Path.Combine(_dir, "model.zip");
        AtomicFile.WriteAllText(path, "old");
        Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[1000]); throw new IOException("disk full"); }));
        Assert.AreEqual("old", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir));
    }

    [TestMethod]
    public void A_complete_write_replaces_the_file()
    {
        string path = Path.Combine(_dir, "report.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new");
        Assert.AreEqual("new", File.ReadAllText(path));
        Assert.AreEqual(1, Directory.GetFiles(_dir).Length);
    }

    /// <summary>A killed write's temporary file is deleted by the next write of the same target once it is stale; others stay.</summary>
    [TestMethod]
    public void A_write_removes_its_targets_stale_temporary_files_only()
    {
        string path = Path.Combine(_dir, "model.zip");
        string stale = Path.Combine(_dir, $".model.zip.{Guid.NewGuid():N}.tmp");
        string fresh = Path.Combine(_dir, $".model.zip.{Guid.NewGuid():N}.tmp");
        string otherTarget = Path.Combine(_dir, $".other.zip.{Guid.NewGuid():N}.tmp");
        string notOurs = Path.Combine(_dir, ".model.zip.backup.tmp");
        foreach (string file in new[] { stale, fresh, otherTarget, notOurs }) File.WriteAllText(file, "partial");
        var old = DateTime.UtcNow - AtomicFile.StaleTemporaryAge - TimeSpan.FromMinutes(1);
        foreach (string file in new[] { stale, otherTarget, notOurs }) File.SetLastWriteTimeUtc(file, old);
        AtomicFile.WriteAllText(path, "new");
        Assert.IsFalse(File.Exists(stale), "the stale temporary file of this target");
        Assert.IsTrue(File.Exists(fresh), "a fresh one may belong to a live writer");
        Assert.IsTrue(File.Exists(otherTarget), "another target's");
        Assert.IsTrue(File.Exists(notOurs), "a name AtomicFile does not make");
    }

    [TestMethod]
    public void Same_file_is_found_through_relative_paths_symbolic_and_hard_links()
    {
        string a = Path.Combine(_dir, "a.tsv"), b = Path.Combine(_dir, "b.tsv");
        File.WriteAllText(a, "x");
        File.WriteAllText(b, "x");
        Assert.IsTrue(AtomicFile.SameFile(a, Path.Combine(_dir, ".", "a.tsv")));
        Assert.IsFalse(AtomicFile.SameFile(a, b));
        string sym = Path.Combine(_dir, "sym.tsv");
        File.CreateSymbolicLink(sym, a);
        Assert.IsTrue(AtomicFile.SameFile(sym, a));
        if (OperatingSystem.IsLinux())
        {
            string hard = Path.Combine(_dir, "hard.tsv");
            using var ln = System.Diagnostics.Process.Start("ln", [a, hard]);
            ln.WaitForExit();
            Assert.IsTrue(AtomicFile.SameFile(hard, a));
        }
    }

    [TestMethod]
    public void CheckWritable_names_a_directory_and_a_missing_folder()
    {
        var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.CheckWritable(_dir));
        StringAssert.Contains(e.Message, "directory");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => AtomicFile.CheckWritable(Path.Combine(_dir, "no", "x.zip")));
        AtomicFile.CheckWritable(Path.Combine(_dir, "x.zip"));
        Assert.AreEqual(0, Directory.GetFileSystemEntries(_dir).Length);
    }

    [TestMethod]
    public void A_symbolic_link_is_written_through_and_the_file_keeps_its_permissions()
    {
        if (OperatingSystem.IsWindows()) { Assert.Inconclusive("Unix permissions and links"); return; }
        string target = Path.Combine(_dir, "private.zip"), link = Path.Combine(_dir, "link.zip");
        AtomicFile.WriteAllText(target, "old");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(link, target);
        AtomicFile.WriteAllText(link, "new");
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "the link is still a link");
        Assert.AreEqual("new", File.ReadAllText(target));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target), "a private file stays private");
    }

    [TestMethod]
    public void A_pipe_or_a_device_is_refused_and_left_as_it_is()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("mkfifo");
        string fifo = Path.Combine(_dir, "fifo");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo])) mk.WaitForExit();
        var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteAllText(fifo, "x"));
        StringAssert.Contains(e.Message, "not a regular file");
        Assert.ThrowsExactly<IOException>(() => AtomicFile.CheckWritable(fifo));
        Assert.ThrowsExactly<IOException>(() => AtomicFile.CheckWritable("/dev/null"));
        Assert.AreEqual(1, Directory.GetFileSystemEntries(_dir).Length, "no temporary file left");
        // Still the pipe: a second write is refused the same way (a replaced file would be written).
        StringAssert.Contains(Assert.ThrowsExactly<IOException>(() => AtomicFile.WriteAllText(fifo, "x")).Message, "not a regular file");
    }
}
