using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace MLNet.SessionRec.Tests.Persistence;

/// <summary>
/// Builds hostile model files from real saved ones (the release-1 fixtures, trained on rsc15-100k): the model stream
/// is [int64 length][SHA-256 of the body][body], and the hash has no key, so an attacker recomputes it as these do.
/// </summary>
internal static class CraftedModels
{
    public const string ModelStream = "SessionModel.bin";

    public static string Fixture(string name) => Path.Combine(TestData.RepoRoot, "test", "MLNet.SessionRec.Tests", "Fixtures", "models", $"{name}-v1.zip");

    public static byte[] FixtureBytes(string name) => File.ReadAllBytes(Fixture(name));

    /// <summary>A copy of <paramref name="zip"/> with every entry passed through <paramref name="change"/> (name, bytes).</summary>
    public static byte[] Rewrite(byte[] zip, Func<string, byte[], byte[]> change)
    {
        using var output = new MemoryStream();
        using (var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read))
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var write = target.CreateEntry(entry.FullName).Open();
                write.Write(change(entry.FullName, ReadEntry(entry)));
            }
        }
        return output.ToArray();
    }

    public static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var read = entry.Open();
        using var buffer = new MemoryStream();
        read.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The model stream's entry bytes of <paramref name="zip"/>.</summary>
    public static byte[] ModelStreamOf(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        return ReadEntry(archive.Entries.Single(e => e.FullName.EndsWith(ModelStream, StringComparison.Ordinal)));
    }

    /// <summary>The body inside a model stream (after the length and the hash).</summary>
    public static byte[] BodyOf(byte[] modelStream) => modelStream[40..];

    /// <summary>A model stream around <paramref name="body"/> with its length and a recomputed SHA-256.</summary>
    public static byte[] WrapBody(byte[] body)
    {
        var stream = new byte[40 + body.Length];
        BitConverter.TryWriteBytes(stream.AsSpan(0, 8), (long)body.Length);
        SHA256.HashData(body).CopyTo(stream, 8);
        body.CopyTo(stream, 40);
        return stream;
    }

    /// <summary><paramref name="zip"/> with its body changed by <paramref name="change"/> and the checksum recomputed.</summary>
    public static byte[] WithBody(byte[] zip, Func<byte[], byte[]> change) =>
        Rewrite(zip, (name, bytes) => name.EndsWith(ModelStream, StringComparison.Ordinal) ? WrapBody(change(BodyOf(bytes))) : bytes);

    /// <summary>Where the registry header ends and a GRU4Rec body's fields lie: (parameter string start, end).</summary>
    public static (int Start, int End) Gru4RecParameterString(byte[] body)
    {
        using var reader = new BinaryReader(new MemoryStream(body));
        reader.ReadString(); // registry magic
        reader.ReadInt32(); // registry format version
        reader.ReadString(); // kind
        reader.ReadInt32(); // GRU4Rec body version
        int start = (int)reader.BaseStream.Position;
        reader.ReadString();
        return (start, (int)reader.BaseStream.Position);
    }

    /// <summary>A GRU4Rec body with its parameter string edited by <paramref name="edit"/>.</summary>
    public static byte[] EditGru4RecParameters(byte[] body, Func<string, string> edit)
    {
        var (start, end) = Gru4RecParameterString(body);
        string parameters = new BinaryReader(new MemoryStream(body, start, end - start)).ReadString();
        using var edited = new MemoryStream();
        using (var writer = new BinaryWriter(edited, Encoding.UTF8, leaveOpen: true)) writer.Write(edit(parameters));
        return [.. body[..start], .. edited.ToArray(), .. body[end..]];
    }

    // ML.NET's model header takes 0x100 bytes; our transformer's fields follow: three string ids (int32), then k.
    private const int TopKOffset = 0x100 + 12;
    private static readonly byte[] Signature = Encoding.ASCII.GetBytes("SESSREC1");

    /// <summary>The fixture with the list length k in our transformer's key entry (not checksummed) set to <paramref name="topK"/>.</summary>
    public static byte[] WithTopK(byte[] zip, int topK, int expectedBefore = 20)
    {
        bool patched = false;
        var result = Rewrite(zip, (name, bytes) =>
        {
            if (!name.EndsWith("Model.key", StringComparison.Ordinal) || !bytes.AsSpan(0x40, 8).SequenceEqual(Signature)) return bytes;
            int before = BitConverter.ToInt32(bytes, TopKOffset);
            if (before != expectedBefore) throw new InvalidOperationException($"k is not where the test expects it (found {before}).");
            BitConverter.TryWriteBytes(bytes.AsSpan(TopKOffset, 4), topK);
            patched = true;
            return bytes;
        });
        if (!patched) throw new InvalidOperationException("our transformer's key entry was not found");
        return result;
    }

    /// <summary>
    /// Writes <paramref name="zip"/> to <paramref name="path"/> with <paramref name="zeros"/> zero bytes appended to the
    /// entry whose name ends with <paramref name="entryName"/>, streamed through the compressor so the test never holds them in memory.
    /// </summary>
    public static void WriteWithZerosAppended(byte[] zip, string path, long zeros, string entryName)
    {
        using var file = File.Create(path);
        using var source = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var target = new ZipArchive(file, ZipArchiveMode.Create);
        var chunk = new byte[1 << 20];
        foreach (var entry in source.Entries)
        {
            using var write = target.CreateEntry(entry.FullName, CompressionLevel.Optimal).Open();
            write.Write(ReadEntry(entry));
            if (!entry.FullName.EndsWith(entryName, StringComparison.Ordinal)) continue;
            for (long left = zeros; left > 0; left -= chunk.Length) write.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
        }
    }
}
