using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Serialization;

/// <summary>Reads and writes session models as a kind tag followed by the model's own body.</summary>
public static class SessionModelRegistry
{
    private const string Magic = "MLNET-SESSIONREC";
    private const int FormatVersion = 1;

    // Kind -> reader of the body. Every savable model registers here.
    private static readonly Dictionary<string, Func<BinaryReader, ISavableSessionModel>> Readers = new(StringComparer.Ordinal)
    {
        ["gru4rec"] = Model.Gru4RecModel.Read,
        [Baselines.PopularityModel.Kind] = Baselines.PopularityModel.Read,
        [Baselines.SessionPopularityModel.Kind] = Baselines.SessionPopularityModel.Read,
        [Baselines.ItemKnnModel.Kind] = Baselines.ItemKnnModel.Read,
        [Baselines.MarkovModel.Kind] = Baselines.MarkovModel.Read,
        [Baselines.AssociationRulesModel.Kind] = Baselines.AssociationRulesModel.Read,
        [Baselines.SequentialRulesModel.Kind] = Baselines.SequentialRulesModel.Read,
        [Baselines.SessionKnnModel.Kind] = Baselines.SessionKnnModel.Read,
        [Baselines.VectorSessionKnnModel.Kind] = Baselines.VectorSessionKnnModel.Read,
        [Baselines.SequentialSessionKnnModel.Kind] = Baselines.SequentialSessionKnnModel.Read,
        [Baselines.StanModel.Kind] = Baselines.StanModel.Read,
        [Baselines.VStanModel.Kind] = Baselines.VStanModel.Read,
    };

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
    public static ISavableSessionModel Read(BinaryReader reader)
    {
        try
        {
            string magic = reader.ReadString();
            if (magic != Magic) throw new InvalidDataException("Not an MLNet.SessionRec model (bad magic).");
            int version = reader.ReadInt32();
            if (version > FormatVersion)
                throw new InvalidDataException($"The model was written by a newer format version ({version}); this library reads up to {FormatVersion}.");
            if (version < 1) throw new InvalidDataException($"Invalid model format version {version}.");
            string kind = reader.ReadString();
            if (!Readers.TryGetValue(kind, out var read)) throw new InvalidDataException($"Unknown session model kind '{kind}'.");
            var model = read(reader);
            if (reader.ReadString() != Magic) throw new InvalidDataException("The model data is corrupted (bad trailer).");
            return model;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The model data is truncated.", e);
        }
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
    public static ItemVocabulary ReadVocabulary(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException($"Invalid item count {count}.");
        var ids = new string[count];
        var supports = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = reader.ReadString();
            if ((supports[i] = reader.ReadInt64()) < 0) throw new InvalidDataException($"Negative support {supports[i]} for item '{ids[i]}'.");
        }
        try { return ItemVocabulary.FromIds(ids, supports); }
        catch (ArgumentException e) { throw new InvalidDataException($"Invalid vocabulary in model data: {e.Message}", e); }
    }
}
