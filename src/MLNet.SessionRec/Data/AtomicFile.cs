namespace MLNet.SessionRec.Data;

/// <summary>
/// Writes files so that a reader sees either the previous content or the complete new one, never a partial file:
/// the content goes to a temporary file in the target's folder, is flushed to disk, and is renamed over the target.
/// A kill, a crash or a full disk during the write leaves the previous file as it was.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> (which gets a stream on a temporary file in the
    /// same folder) and renames the result over <paramref name="path"/> once it is complete and flushed to disk.
    /// On any exception the temporary file is deleted and <paramref name="path"/> is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Resolve(path);
        string directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path}: no parent folder.");
        UnixFileMode? mode = ExistingMode(path, full);
        // Same folder: the rename stays on one file system and is atomic there. The name starts with '.' and ends
        // with '.tmp' so a listing shows what it is; the random part keeps concurrent writers apart.
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            // The new file keeps the old one's permissions (a private model stays private).
            if (mode is { } keep && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, keep);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        RemoveStaleTemporaries(directory, Path.GetFileName(full));
    }

    /// <summary>
    /// The file <paramref name="path"/> names: a symbolic link is followed to its final target, existing or not (a
    /// write replaces or creates that file and the link stays a link); a path that is no link, or a looping link, names
    /// itself.
    /// </summary>
    private static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
            return target != null ? Path.GetFullPath(target.FullName) : full;
        }
        catch (IOException) { return full; } // no such file, or a loop
    }

    /// <summary>
    /// The permissions of the file being replaced (null when there is none). Refuses what a rename must not replace: a
    /// directory, a device, a pipe or a socket, and a file this process may not write (a rename needs only the
    /// folder's permission, so a read-only file would otherwise be replaced).
    /// </summary>
    private static UnixFileMode? ExistingMode(string path, string full)
    {
        if (Directory.Exists(full)) throw new IOException($"{path} is a directory, not a file.");
        if (!Path.Exists(full)) return null;
        var attributes = File.GetAttributes(full);
        if ((attributes & FileAttributes.Device) != 0 || !IsRegularFile(full))
            throw new IOException($"{path} is not a regular file (a device, a pipe or a socket): write to a file.");
        try
        {
            // Opening for writing changes neither the content nor the times; it fails where a plain overwrite would.
            using (new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1)) { }
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"{path}: the file is read-only for this user; it was left unchanged.");
        }
        return OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(full);
    }

    // A regular file: not a character or block device, FIFO or socket (.NET reports those as files). Where stat is
    // not available the write itself decides.
    private static bool IsRegularFile(string full)
    {
        if (Stat(full) is not { } stat) return true;
        // st_mode: offset 24 on Linux x64 (after dev, ino, nlink), 16 on arm64 (after dev, ino); S_IFMT = 0xF000, S_IFREG = 0x8000.
        int offset = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? 24 : 16;
        return (BitConverter.ToUInt32(stat, offset) & 0xF000) == 0x8000;
    }

    /// <summary>
    /// How long a temporary file of a target must have gone unwritten before a later successful write of that target
    /// deletes it: only a killed writer leaves one behind, and a live writer keeps writing to its own.
    /// </summary>
    public static readonly TimeSpan StaleTemporaryAge = TimeSpan.FromHours(1);

    // Leftovers of killed writes of this target: exactly ".NAME.<32 hex>.tmp", not written for StaleTemporaryAge.
    private static void RemoveStaleTemporaries(string directory, string name)
    {
        string prefix = $".{name}.";
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, ".*.tmp"))
            {
                string candidate = Path.GetFileName(file);
                if (candidate.Length != prefix.Length + 36 || !candidate.StartsWith(prefix, StringComparison.Ordinal)
                    || candidate.AsSpan(prefix.Length, 32).ContainsAnyExcept(HexDigits)) continue;
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleTemporaryAge) TryDelete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // the write itself succeeded
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// Checks before any long work that <paramref name="path"/> can be written: its folder exists and accepts a new
    /// file, and the path is not a directory, a device, a pipe or a file this process may not write. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> with a one-line message naming the path.
    /// </summary>
    public static void CheckWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Resolve(path);
        ExistingMode(path, full);
        string? directory = Path.GetDirectoryName(full);
        if (directory == null || !Directory.Exists(directory)) throw new DirectoryNotFoundException($"{path}: folder not found: {directory}");
        string probe = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is UnauthorizedAccessException ? "permission denied" : e.Message.Replace(probe, "a new file", StringComparison.Ordinal).TrimEnd('.');
            throw new UnauthorizedAccessException($"{path}: cannot write in {directory} ({reason}).", e);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> name the same existing file: the same resolved path
    /// (links followed) or, on Unix, the same device and inode (hard links).
    /// </summary>
    public static bool SameFile(string a, string b)
    {
        string ra = Resolve(a), rb = Resolve(b);
        if (string.Equals(ra, rb, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)) return true;
        if (!File.Exists(ra) || !File.Exists(rb) || OperatingSystem.IsWindows()) return false;
        return FileIdentity(ra) is { } ia && FileIdentity(rb) is { } ib && ia == ib;
    }

    // Hard links share device and inode: st_dev and st_ino, the first two 8-byte fields of stat on Linux x64 and arm64.
    private static (ulong Device, ulong Inode)? FileIdentity(string path) =>
        Stat(path) is { } stat ? (BitConverter.ToUInt64(stat, 0), BitConverter.ToUInt64(stat, 8)) : null;

    // stat(2)'s raw struct on Linux (glibc >= 2.33 exports `stat`); null elsewhere, on an older libc or on failure.
    private static byte[]? Stat(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var buffer = new byte[256];
        try
        {
            return NativeStat(path, buffer) == 0 ? buffer : null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int NativeStat([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
