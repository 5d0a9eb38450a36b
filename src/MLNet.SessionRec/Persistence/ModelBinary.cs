using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Persistence;

/// <summary>Binary pieces shared by the models' saved bodies.</summary>
internal static class ModelBinary
{
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
