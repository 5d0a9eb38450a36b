using Microsoft.ML;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec;

/// <summary>
/// Checks and loads ML.NET model zips as untrusted input. <c>mlContext.Model.Load</c> extracts the zip's entries to a
/// folder in the temp path before any reader runs; <see cref="Load(MLContext, string, out DataViewSchema)"/> first
/// checks the zip's declared sizes (entry count, total size, compression ratio), so a zip bomb is refused before
/// anything is extracted, and after a failed load removes the temp folder ML.NET left behind.
/// <see cref="SessionRecommender.Load(MLContext, string, int?, string?)"/> loads through it.
/// </summary>
public static class SessionModelFile
{
    /// <summary>Checks the model zip at <paramref name="path"/> without extracting anything.</summary>
    /// <exception cref="InvalidDataException">Not a zip, truncated, or declaring too much (a one-line message).</exception>
    public static void Check(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        ModelZipCheck.Check(stream);
    }

    /// <summary>Checks the model zip in <paramref name="model"/> (a seekable stream; its position is kept).</summary>
    /// <exception cref="InvalidDataException">Not a zip, truncated, or declaring too much (a one-line message).</exception>
    public static void Check(Stream model) => ModelZipCheck.Check(model);

    /// <summary>Checks, then loads the model zip at <paramref name="path"/> with <paramref name="mlContext"/>.</summary>
    /// <exception cref="InvalidDataException">The zip is refused by <see cref="Check(string)"/>.</exception>
    public static ITransformer Load(MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Load(mlContext, stream, out inputSchema);
    }

    /// <summary>
    /// Checks, then loads the model zip in <paramref name="model"/> with <paramref name="mlContext"/>. A stream that
    /// cannot seek is copied to memory first (up to 2 GB).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The zip is refused by <see cref="Check(Stream)"/>, or a session recommendation model inside it is invalid
    /// (a one-line message starting "Session recommendation model: ").
    /// </exception>
    public static ITransformer Load(MLContext mlContext, Stream model, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        if (!model.CanSeek) model = Buffer(model);
        ModelZipCheck.Check(model);
        try
        {
            return mlContext.Model.Load(model, out inputSchema);
        }
        catch (Exception e)
        {
            ReleaseOrphanedTempFolders();
            // ML.NET wraps our readers' errors in reflection exceptions: give the caller the one that says what is wrong.
            // A damaged zip entry (.NET's InvalidDataException) and ML.NET's decoding errors of its own entries
            // (FormatException, e.g. "Corrupt model file tail") are model errors too.
            for (var x = e; x != null; x = x.InnerException)
            {
                if (x is InvalidDataException && x.Message.StartsWith(ModelBinary.ErrorPrefix, StringComparison.Ordinal))
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(x).Throw();
                if (x is InvalidDataException or FormatException) throw ModelBinary.Invalid(x.Message, e);
            }
            throw;
        }
    }

    // ML.NET's repository reader creates its temp folder before it opens the zip; when opening throws, the folder
    // stays until the unreachable reader is finalized (and never if the process exits first). Finalizing now removes
    // exactly the folders of such orphaned readers: a live load's reader is still referenced and keeps its folder.
    private static void ReleaseOrphanedTempFolders()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private static MemoryStream Buffer(Stream model)
    {
        var copy = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = model.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (copy.Length + read > int.MaxValue - 64)
                throw new InvalidDataException($"{ModelBinary.ErrorPrefix}the model stream is over 2 GB; load it from a file.");
            copy.Write(chunk, 0, read);
        }
        copy.Position = 0;
        return copy;
    }
}
