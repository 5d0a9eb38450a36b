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

    /// <summary>Loads an ML.NET model zip and returns its session recommendation transformer.</summary>
    public static SessionRecommendationTransformer Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var ml = new MLContext();
        var model = ml.Model.Load(stream, out _);
        return Find(model);
    }
}
