using Microsoft.Extensions.DependencyInjection;

namespace MLNet.SessionRec;

/// <summary>Registers a saved session recommendation model for dependency injection (like ML.NET's PredictionEnginePool).</summary>
public static class SessionRecommenderServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="SessionRecommender"/> loaded on first use from the model zip at
    /// <paramref name="modelPath"/>. The recommender is thread-safe: inject it anywhere and call
    /// <see cref="SessionRecommender.Recommend"/> or keep a <see cref="RecommendationSession"/> per user session.
    /// </summary>
    public static IServiceCollection AddSessionRecommender(this IServiceCollection services, string modelPath, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return services.AddSingleton(_ => SessionRecommender.Load(modelPath, topK));
    }

    /// <summary>
    /// Registers a singleton <see cref="SessionRecommender"/> loaded on first use from the stream that
    /// <paramref name="openModel"/> returns (the stream is disposed after loading).
    /// </summary>
    public static IServiceCollection AddSessionRecommender(this IServiceCollection services, Func<IServiceProvider, Stream> openModel, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(openModel);
        return services.AddSingleton(provider =>
        {
            using var stream = openModel(provider) ?? throw new InvalidOperationException("The model stream factory returned null.");
            return SessionRecommender.Load(stream, topK);
        });
    }
}
