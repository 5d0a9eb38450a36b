using Microsoft.ML;
using Microsoft.ML.Data;
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

    /// <summary>
    /// Observes <c>itemIds[i]</c> in <c>sessions[i]</c> for every i in order (a session may repeat; its events apply in
    /// order); returns whether each item is known. The same effect as <see cref="IRecommenderSession.Observe"/> of each.
    /// </summary>
    bool[] ObserveMany(IReadOnlyList<IRecommenderSession> sessions, IReadOnlyList<string> itemIds)
    {
        var known = new bool[sessions.Count];
        for (int i = 0; i < known.Length; i++) known[i] = sessions[i].Observe(itemIds[i]);
        return known;
    }

    /// <summary>The current top-<paramref name="k"/> item ids of each session, as <see cref="IRecommenderSession.Top"/> of each.</summary>
    IReadOnlyList<string>[] TopMany(IReadOnlyList<IRecommenderSession> sessions, int k) => sessions.Select(s => s.Top(k)).ToArray();
}

/// <summary>Saves trained models in ML.NET's model format and loads them back for streaming recommendation.</summary>
internal static class ModelStore
{
    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> as an ML.NET model zip: the library's session
    /// recommendation transformer over the model, with an input schema of one text-vector column
    /// <c>ItemId</c> (the session's items so far), so <c>mlContext.Model.Load</c> gives it back. The write is atomic
    /// (<see cref="AtomicFile"/>): a kill or a full disk leaves the previous file at <paramref name="path"/> intact.
    /// </summary>
    public static void Save(TrainedModel model, SessionDataset train, string path)
    {
        if (model.Model.Items.Count != train.Items.Count)
            throw new InvalidOperationException($"The model knows {model.Model.Items.Count} items, its training data {train.Items.Count}.");
        var ml = new MLContext();
        // Not disposed: the transformer would dispose the model, which belongs to the caller.
        var transformer = ml.SessionRecommendation().CreateTransformer(model.Model);
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(DefaultColumns.ItemId, new VectorDataViewType(TextDataViewType.Instance));
        FileChecks.WriteAtomically(path, "model", stream => ml.Model.Save(transformer, schema.ToSchema(), stream));
    }

    /// <summary>Loads a model zip; a file that is not a loadable model is a user error naming the file.</summary>
    public static ILoadedRecommender Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"model file not found: {path}");
        try
        {
            return new LoadedRecommender(SessionRecommender.Load(path));
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            throw new UsageException($"{path}: not a loadable session recommendation model ({Reason(e)}).");
        }
    }

    // Our own format errors (checksum, truncation, newer version) say best what is wrong; ML.NET wraps them in
    // reflection exceptions. Otherwise ML.NET's outermost message ("Failed to open a zip archive", ...).
    private static string Reason(Exception e)
    {
        var chain = new List<Exception>();
        for (Exception? x = e; x != null; x = x.InnerException) chain.Add(x);
        var reason = chain.FirstOrDefault(x => x is InvalidDataException && x.Message.StartsWith("Session recommendation model", StringComparison.Ordinal))
            ?? chain.FirstOrDefault(x => x is not System.Reflection.TargetInvocationException and not AggregateException) ?? e;
        const string prefix = "Session recommendation model: "; // the outer message already says it
        string message = reason.Message.StartsWith(prefix, StringComparison.Ordinal) ? reason.Message[prefix.Length..] : reason.Message;
        return message.TrimEnd('.');
    }

    private sealed class LoadedRecommender(SessionRecommender recommender) : ILoadedRecommender
    {
        public IRecommenderSession StartSession() => new Session(recommender.StartSession());

        // Many sessions per model step and per product with the item matrix (see SessionRecommender.AddMany/RecommendMany).
        public bool[] ObserveMany(IReadOnlyList<IRecommenderSession> sessions, IReadOnlyList<string> itemIds) =>
            recommender.AddMany(Unwrap(sessions), itemIds);

        public IReadOnlyList<string>[] TopMany(IReadOnlyList<IRecommenderSession> sessions, int k) =>
            recommender.RecommendMany(Unwrap(sessions), k).Select(IReadOnlyList<string> (list) => list.Select(r => r.ItemId).ToArray()).ToArray();

        private static RecommendationSession[] Unwrap(IReadOnlyList<IRecommenderSession> sessions) =>
            sessions.Select((s, i) => s is Session own ? own.Inner : throw new ArgumentException($"Session {i} is not a session of this model.", nameof(sessions))).ToArray();

        public void Dispose() => recommender.Dispose();
    }

    private sealed class Session(RecommendationSession session) : IRecommenderSession
    {
        public RecommendationSession Inner => session;

        public bool Observe(string itemId) => session.Add(itemId);

        public IReadOnlyList<string> Top(int k) => session.Recommend(k).Select(r => r.ItemId).ToArray();

        public void Dispose() => session.Dispose();
    }
}
