using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.EvaluationApp;

/// <summary>
/// Checks of the files a command reads and writes, made before any work (loading, training, evaluating): every input
/// exists and is a file, no output is an input or another output, every output can be written.
/// </summary>
internal static class FileChecks
{
    /// <summary>Refuses a missing input and a directory given as input.</summary>
    public static void Input(string option, string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"{option}: {path} is a directory, not a file.");
        if (!File.Exists(path)) throw new UsageException($"{option}: file not found: {path}");
    }

    /// <summary>
    /// Refuses an output that is the same file as an input (through links, too) or as another output, and an output
    /// that cannot be written (missing or unwritable folder, a directory). Null paths are options not given.
    /// With <paramref name="createFolders"/>, a missing folder of an output is created first (reports and plots).
    /// </summary>
    public static void Outputs(IEnumerable<(string Option, string? Path)> inputs, IEnumerable<(string Option, string? Path)> outputs, bool createFolders = false)
    {
        var given = outputs.Where(o => o.Path != null).Select(o => (o.Option, Path: o.Path!)).ToList();
        var read = inputs.Where(i => i.Path != null).Select(i => (i.Option, Path: i.Path!)).ToList();
        for (int i = 0; i < given.Count; i++)
        {
            var (option, path) = given[i];
            foreach (var input in read)
                if (AtomicFile.SameFile(path, input.Path))
                    throw new UsageException($"{option} {path} is the same file as {input.Option} {input.Path}: refusing to overwrite an input.");
            for (int j = 0; j < i; j++)
                if (AtomicFile.SameFile(path, given[j].Path))
                    throw new UsageException($"{option} {path} is the same file as {given[j].Option} {given[j].Path}.");
            try
            {
                if (createFolders && !Directory.Exists(path) && Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && !File.Exists(folder))
                    Directory.CreateDirectory(folder);
                AtomicFile.CheckWritable(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{option}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="what"/> to <paramref name="path"/> atomically (<see cref="AtomicFile"/>); a failed write
    /// (full disk, file size limit, I/O error) is a one-line user error naming the target, not the temporary file.
    /// </summary>
    public static void WriteAtomically(string path, string what, Action<Stream> write)
    {
        try
        {
            AtomicFile.Write(path, write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException || IsFileSystemLimit(e))
        {
            throw new UsageException($"{path}: the {what} could not be written ({Reason(e)}); the previous file, if any, is unchanged.");
        }
    }

    /// <summary>Why a write failed, in a few words.</summary>
    public static string Reason(Exception e) =>
        IsFileSystemLimit(e) ? "file too large: the file system's or the process's file size limit was reached" : e.Message.TrimEnd('.');

    /// <summary>Whether <paramref name="e"/> is a write beyond the file size limit.</summary>
    // .NET reports EFBIG (a write beyond the file size limit) as an ArgumentOutOfRangeException thrown by System.IO.
    public static bool IsFileSystemLimit(Exception e) =>
        e is ArgumentOutOfRangeException && e.TargetSite?.DeclaringType?.Namespace == "System.IO";
}
