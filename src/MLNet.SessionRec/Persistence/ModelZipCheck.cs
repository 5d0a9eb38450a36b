using System.IO.Compression;

namespace MLNet.SessionRec.Persistence;

/// <summary>
/// Checks an ML.NET model zip before ML.NET opens it: <c>mlContext.Model.Load</c> extracts every entry it reads to a
/// folder under the temp path, so a small zip that declares gigabytes (a zip bomb, or a model entry followed by
/// gigabytes of zeros) would fill the disk before any reader of ours runs. Only the zip's central directory is read.
/// </summary>
internal static class ModelZipCheck
{
    /// <summary>The most entries a model zip may have (a chain of transforms has a few per transform).</summary>
    public const int MaxEntries = 4096;

    /// <summary>The most bytes all entries together may declare, uncompressed.</summary>
    public const long MaxTotalBytes = 4L << 30;

    /// <summary>
    /// The highest compression ratio of an entry larger than <see cref="RatioFloorBytes"/>: float weights compress about
    /// 1.1:1, vocabularies and rule tables a few to one; zeros compress 1000:1.
    /// </summary>
    public const long MaxRatio = 50;

    /// <summary>Entries up to this size may compress better than <see cref="MaxRatio"/> (small text entries do).</summary>
    public const long RatioFloorBytes = 1L << 20;

    /// <summary>Checks the zip in <paramref name="stream"/> (seekable) and puts the stream back where it was.</summary>
    /// <exception cref="InvalidDataException">Not a zip, truncated, or declaring too much.</exception>
    public static void Check(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("The model stream must be readable and seekable.", nameof(stream));
        long start = stream.Position, fileBytes = stream.Length - start;
        try
        {
            ZipArchive archive;
            try { archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
            catch (InvalidDataException e) { throw ModelBinary.Invalid($"not a zip archive, or a truncated one ({e.Message.TrimEnd('.')}).", e); }
            using (archive)
            {
                var entries = archive.Entries;
                if (entries.Count > MaxEntries) throw ModelBinary.Invalid($"the zip has {entries.Count} entries; at most {MaxEntries} are loaded.");
                long total = 0, compressed = 0;
                foreach (var entry in entries)
                {
                    long length = entry.Length, packed = entry.CompressedLength;
                    if (length < 0 || packed < 0) throw ModelBinary.Invalid($"the zip entry '{Name(entry)}' declares a negative size.");
                    total += Math.Min(length, MaxTotalBytes + 1);
                    compressed += Math.Min(packed, fileBytes + 1);
                    if (total > MaxTotalBytes)
                        throw ModelBinary.Invalid($"the zip's entries declare more than {MaxTotalBytes} bytes uncompressed; refused before extraction.");
                    if (entry.Name == TransformerEntry.ModelStreamName) CheckModelStreamLength(entry);
                    else CheckOpens(entry);
                    if (length > RatioFloorBytes && length / Math.Max(packed, 1) > MaxRatio)
                        throw ModelBinary.Invalid($"the zip entry '{Name(entry)}' expands {packed} bytes to {length} (more than {MaxRatio}:1); refused before extraction.");
                }
                if (compressed > fileBytes)
                    throw ModelBinary.Invalid($"the zip's entries declare {compressed} compressed bytes in a file of {fileBytes} bytes (truncated or corrupted).");
            }
        }
        finally
        {
            stream.Position = start;
        }
    }

    // Our model stream starts with the body's length ([int64 length][SHA-256][body]): its entry must declare exactly
    // that much, so data appended to it is refused before extraction whatever its compression. Only 8 bytes are inflated.
    private static void CheckModelStreamLength(ZipArchiveEntry entry)
    {
        Span<byte> head = stackalloc byte[8];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(head);
        }
        catch (EndOfStreamException) { throw ModelBinary.Invalid($"the model stream '{Name(entry)}' is truncated ({entry.Length} bytes)."); }
        catch (InvalidDataException e) { throw ModelBinary.Invalid($"the zip entry '{Name(entry)}' cannot be read ({e.Message.TrimEnd('.')}).", e); }
        long body = BitConverter.ToInt64(head);
        if (body < 0 || body > int.MaxValue || entry.Length != 40 + body)
            throw ModelBinary.Invalid($"the model stream '{Name(entry)}' declares {entry.Length} bytes for a body of {body} (expected {40 + Math.Clamp(body, 0, int.MaxValue)}); refused before extraction.");
    }

    // Opening an entry reads its local header and sets up its decompressor (an unknown method or a header that does
    // not match the directory fails here), without inflating anything.
    private static void CheckOpens(ZipArchiveEntry entry)
    {
        try { entry.Open().Dispose(); }
        catch (InvalidDataException e) { throw ModelBinary.Invalid($"the zip entry '{Name(entry)}' cannot be read ({e.Message.TrimEnd('.')}).", e); }
    }

    private static string Name(ZipArchiveEntry entry)
    {
        var name = entry.FullName;
        var text = new string(name.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return name.Length > 80 ? text + "..." : text;
    }
}
