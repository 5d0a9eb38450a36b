using MLNet.SessionRec.Data;
using MLNet.SessionRec.EvaluationApp.Running;

namespace MLNet.SessionRec.EvaluationApp.Adapters;

/// <summary>One live session of a loaded model: takes one event at a time, answers the current top-k.</summary>
internal interface IRecommenderSession : IDisposable
{
    /// <summary>Observes <paramref name="itemId"/>; returns false (state unchanged) when the model does not know it.</summary>
    bool Observe(string itemId);

    /// <summary>The current top-<paramref name="k"/> item ids, best first.</summary>
    IReadOnlyList<string> Top(int k);
}

/// <summary>A model loaded from an ML.NET model zip.</summary>
internal interface ILoadedRecommender : IDisposable
{
    /// <summary>Starts an empty session.</summary>
    IRecommenderSession StartSession();
}

/// <summary>Saves trained models in ML.NET's model format and loads them back for streaming recommendation.</summary>
internal static class ModelStore
{
    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (an ML.NET model zip).</summary>
    public static void Save(TrainedModel model, SessionDataset train, string path) =>
        throw new UsageException("saving models is not available in this build yet.");

    /// <summary>Loads a model zip; a file that is not a loadable model is a user error.</summary>
    public static ILoadedRecommender Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"model file not found: {path}");
        throw new UsageException($"{path}: loading models is not available in this build yet.");
    }
}
