using Microsoft.ML.Runtime;
using MLNet.SessionRec.Persistence;

namespace MLNet.SessionRec;

/// <summary>
/// Reads and writes session models as a kind tag followed by the model's own body. Models register the reader of
/// their kind (<see cref="Register"/>, from a module initializer in their own folder), so persistence finds every
/// model without naming any.
/// </summary>
internal static class SessionModelRegistry
{
    private const string Magic = "MLNET-SESSIONREC";
    private const int FormatVersion = 1;

    private static readonly Dictionary<string, Func<BinaryReader, IHostEnvironment?, ISavableSessionModel>> Readers = new(StringComparer.Ordinal);

    /// <summary>Registers the reader of a model kind; <c>env</c> is the loading context (device choice), null outside ML.NET.</summary>
    public static void Register(string kind, Func<BinaryReader, IHostEnvironment?, ISavableSessionModel> read)
    {
        lock (Readers)
        {
            if (!Readers.TryAdd(kind, read)) throw new InvalidOperationException($"Session model kind '{kind}' is registered twice.");
        }
    }

    /// <summary>The registered kinds (for tests and messages).</summary>
    public static IReadOnlyCollection<string> Kinds
    {
        get { lock (Readers) return Readers.Keys.Order(StringComparer.Ordinal).ToArray(); }
    }

    /// <summary>Writes <paramref name="model"/> with a header (magic, format version, kind).</summary>
    public static void Write(BinaryWriter writer, ISavableSessionModel model)
    {
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(model.ModelKind);
        model.Write(writer);
        writer.Write(Magic); // trailer: detects truncation
    }

    /// <summary>Reads a model written by <see cref="Write"/>; throws <see cref="InvalidDataException"/> on bad input.</summary>
    public static ISavableSessionModel Read(BinaryReader reader, IHostEnvironment? env = null)
    {
        try
        {
            string magic = ModelBinary.ReadString(reader, "the model header");
            if (magic != Magic) throw ModelBinary.Invalid("not an MLNet.SessionRec model (bad magic).");
            int version = reader.ReadInt32();
            if (version > FormatVersion)
                throw ModelBinary.Invalid($"the model was written by a newer format version ({version}); this library reads up to {FormatVersion}.");
            if (version < 1) throw ModelBinary.Invalid($"invalid model format version {version}.");
            string kind = ModelBinary.ReadString(reader, "the model kind");
            Func<BinaryReader, IHostEnvironment?, ISavableSessionModel>? read;
            lock (Readers) Readers.TryGetValue(kind, out read);
            if (read is null) throw ModelBinary.Invalid($"unknown session model kind '{ModelBinary.Printable(kind)}'.");
            var model = read(reader, env);
            try
            {
                if (ModelBinary.ReadString(reader, "the model trailer") != Magic) throw ModelBinary.Invalid("the model data is corrupted (bad trailer).");
            }
            catch
            {
                (model as IDisposable)?.Dispose();
                throw;
            }
            return model;
        }
        catch (EndOfStreamException e)
        {
            throw ModelBinary.Invalid("the model data is truncated.", e);
        }
    }
}
