using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>Reads event files through the library, with errors that name the file.</summary>
internal static class DataFiles
{
    /// <summary>Reads an event file (SessionId, ItemId, Time); with a vocabulary, unknown items are dropped and counted.</summary>
    public static SessionDataset ReadEvents(string path, ItemVocabulary? vocabulary)
    {
        if (Directory.Exists(path)) throw new UsageException($"{path} is a directory, not a file.");
        if (!File.Exists(path)) throw new UsageException($"file not found: {path}");
        return SessionFileReader.Read(path, new SessionFileOptions(), vocabulary);
    }
}
