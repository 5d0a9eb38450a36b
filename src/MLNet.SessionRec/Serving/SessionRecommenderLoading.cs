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
        return (found, Upstream(model, data));

        IDataView Upstream(ITransformer t, IDataView view)
        {
            if (t is not IEnumerable<ITransformer> chain) return view;
            var list = chain.ToList();
            int at = list.FindLastIndex(x => Contains(x, found));
            for (int i = 0; i < at; i++) view = list[i].Transform(view);
            return at < 0 ? view : Upstream(list[at], view);
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
    public static SessionRecommendationTransformer Load(MLContext mlContext, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stream);
        var model = mlContext.Model.Load(stream, out _);
        return Find(model);
    }
}
