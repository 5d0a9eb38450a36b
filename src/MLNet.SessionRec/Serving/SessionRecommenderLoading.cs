using Microsoft.ML;

namespace MLNet.SessionRec;

/// <summary>Finds the session recommendation transformer inside a loaded or fitted ML.NET model.</summary>
internal static class SessionRecommenderLoading
{
    /// <summary>The last <see cref="SessionRecommendationTransformer"/> of <paramref name="model"/> (itself or inside chains).</summary>
    public static SessionRecommendationTransformer Find(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Search(model) ?? throw new ArgumentException(
            $"The model ({model.GetType().Name}) contains no {nameof(SessionRecommendationTransformer)}.", nameof(model));

        static SessionRecommendationTransformer? Search(ITransformer t) => t switch
        {
            SessionRecommendationTransformer s => s,
            IEnumerable<ITransformer> chain => chain.Reverse().Select(Search).FirstOrDefault(s => s != null),
            _ => null,
        };
    }

    /// <summary>
    /// The last <see cref="SessionRecommendationTransformer"/> of <paramref name="model"/> and <paramref name="data"/>
    /// passed through every transformer before it in the model's chains (the upstream part of the pipeline, e.g. a
    /// <c>CopyColumns</c> or <c>MapValueToKey</c>), so that it has the columns the session model was trained on.
    /// </summary>
    public static (SessionRecommendationTransformer Transformer, IDataView Input) FindWithInput(ITransformer model, IDataView data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var found = Find(model);
        foreach (var transform in Upstream(model, found)) data = transform.Transform(data);
        return (found, data);
    }

    /// <summary>
    /// The transformers that come before <paramref name="found"/> in <paramref name="model"/>'s chains (nested chains
    /// flattened, in order): the upstream part of the pipeline, e.g. a <c>CopyColumns</c> or <c>MapValueToKey</c>.
    /// </summary>
    public static List<ITransformer> Upstream(ITransformer model, SessionRecommendationTransformer found)
    {
        var upstream = new List<ITransformer>();
        Collect(model);
        return upstream;

        void Collect(ITransformer t)
        {
            if (t is not IEnumerable<ITransformer> chain) return;
            var list = chain.ToList();
            int at = list.FindLastIndex(x => Contains(x, found));
            if (at < 0) return;
            upstream.AddRange(list.Take(at));
            Collect(list[at]);
        }

        static bool Contains(ITransformer t, SessionRecommendationTransformer target) => t switch
        {
            SessionRecommendationTransformer s => ReferenceEquals(s, target),
            IEnumerable<ITransformer> chain => chain.Any(x => Contains(x, target)),
            _ => false,
        };
    }

    /// <summary>
    /// Loads an ML.NET model zip with <paramref name="mlContext"/> (its device, fallback, log and cancellation) and
    /// returns its session recommendation transformer.
    /// </summary>
    public static SessionRecommendationTransformer Load(MLContext mlContext, Stream stream) => LoadChain(mlContext, stream).Transformer;

    /// <summary>
    /// Loads an ML.NET model zip with <paramref name="mlContext"/> and returns its session recommendation transformer,
    /// the transformers before it and the model's saved input schema (null when saved without one). The zip is checked
    /// first and a failed load leaves no temp folder (<see cref="SessionModelFile"/>).
    /// </summary>
    public static (SessionRecommendationTransformer Transformer, List<ITransformer> Upstream, DataViewSchema? InputSchema) LoadChain(MLContext mlContext, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        var model = SessionModelFile.Load(mlContext, stream, out var inputSchema);
        var found = Find(model);
        return (found, Upstream(model, found), inputSchema);
    }
}
