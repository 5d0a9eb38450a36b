using System.Text;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Persistence;

/// <summary>
/// Binary pieces shared by the models' saved bodies, and the bounded reads every model reader uses: a model file is
/// untrusted input, so every count or size read from it is checked against the bytes left in the stream (and a sane
/// limit) before anything of that size is allocated.
/// </summary>
internal static class ModelBinary
{
    /// <summary>The start of every error message about a model file's content.</summary>
    public const string ErrorPrefix = "Session recommendation model: ";

    /// <summary>The longest string (in UTF-8 bytes) a model stores: item ids, parameter strings, names.</summary>
    public const int MaxStringBytes = 1 << 20;

    /// <summary>A one-line <see cref="InvalidDataException"/> about a model file's content.</summary>
    public static InvalidDataException Invalid(string message, Exception? inner = null)
    {
        message = message.ReplaceLineEndings(" ");
        if (message.StartsWith(ErrorPrefix, StringComparison.Ordinal)) return new(message, inner);
        // "Invalid x" reads "...: invalid x"; a name such as "GRU4Rec" keeps its case.
        if (message.Length > 1 && char.IsUpper(message[0]) && char.IsLower(message[1])) message = char.ToLowerInvariant(message[0]) + message[1..];
        return new(ErrorPrefix + message, inner);
    }

    /// <summary>A name read from a model file, fit for a one-line message: control characters as '?', at most 64 characters.</summary>
    public static string Printable(string text)
    {
        var shown = new string(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 64 ? shown + "..." : shown;
    }

    /// <summary>The bytes left in <paramref name="reader"/>'s stream (<see cref="long.MaxValue"/> when it cannot tell).</summary>
    public static long Remaining(BinaryReader reader)
    {
        var stream = reader.BaseStream;
        return stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : long.MaxValue;
    }

    /// <summary>
    /// Throws unless <paramref name="count"/> elements of at least <paramref name="bytesEach"/> bytes each fit in
    /// what is left of the stream and <paramref name="count"/> is within 0..<paramref name="max"/>.
    /// </summary>
    public static void CheckFits(BinaryReader reader, long count, long bytesEach, string what, long max = int.MaxValue)
    {
        if (count < 0 || count > max) throw Invalid($"{what} {count} is outside 0..{max}.");
        long remaining = Remaining(reader);
        // count <= int.MaxValue and bytesEach is small, so the product cannot overflow; a division keeps it safe anyway.
        if (bytesEach > 0 && count > remaining / bytesEach)
            throw Invalid($"{what} {count} needs at least {(Int128)count * bytesEach} bytes ({bytesEach} each) but only {remaining} are left (truncated or corrupted).");
    }

    /// <summary>Reads an int32 count and checks it with <see cref="CheckFits"/>.</summary>
    public static int ReadCount(BinaryReader reader, string what, long bytesEach, int max = int.MaxValue)
    {
        int count = reader.ReadInt32();
        CheckFits(reader, count, bytesEach, what, max);
        return count;
    }

    /// <summary>
    /// Reads a string written by <see cref="BinaryWriter.Write(string)"/> (7-bit length prefix, UTF-8) after checking
    /// its length against the bytes left and <see cref="MaxStringBytes"/>.
    /// </summary>
    public static string ReadString(BinaryReader reader, string what)
    {
        int bytes;
        try { bytes = reader.Read7BitEncodedInt(); }
        catch (FormatException e) { throw Invalid($"{what} has a corrupted length.", e); }
        CheckFits(reader, bytes, 1, $"the length of {what}", MaxStringBytes);
        var data = reader.ReadBytes(bytes);
        if (data.Length != bytes) throw new EndOfStreamException();
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>Throws unless the stream is at its end: data after a model's declared content is an error.</summary>
    public static void CheckAtEnd(BinaryReader reader, string what)
    {
        long remaining = Remaining(reader);
        if (remaining != 0) throw Invalid($"{remaining} bytes of unexpected data follow {what}.");
    }

    /// <summary>Writes a vocabulary (ids and supports).</summary>
    public static void WriteVocabulary(BinaryWriter writer, ItemVocabulary items)
    {
        writer.Write(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            writer.Write(items.GetId(i));
            writer.Write(items.GetSupport(i));
        }
    }

    /// <summary>Reads a vocabulary written by <see cref="WriteVocabulary"/>.</summary>
    /// <exception cref="InvalidDataException">Invalid data.</exception>
    public static ItemVocabulary ReadVocabulary(BinaryReader reader)
    {
        // Each entry takes at least 9 bytes (a 1-byte length prefix and an int64 support).
        int count = ReadCount(reader, "the vocabulary's item count", 9);
        var ids = new string[count];
        var supports = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = ReadString(reader, "an item id");
            if ((supports[i] = reader.ReadInt64()) < 0) throw Invalid($"negative support {supports[i]} for item {i}.");
        }
        try { return ItemVocabulary.FromIds(ids, supports); }
        catch (ArgumentException e) { throw Invalid($"invalid vocabulary ({e.Message.Split('\n')[0]})", e); }
    }
}
