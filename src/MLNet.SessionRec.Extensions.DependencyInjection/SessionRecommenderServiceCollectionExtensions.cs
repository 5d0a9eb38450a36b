using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.ML;

namespace MLNet.SessionRec;

/// <summary>
/// Registers saved session recommendation models for dependency injection, in the shape of ML.NET's
/// <c>AddPredictionEnginePool().FromFile(modelName, filePath, watchForChanges)</c>. Models load with the caller's
/// <see cref="MLContext"/>: the one passed here, else an <see cref="MLContext"/> registered in the container, else a
/// new default one.
/// </summary>
public static class SessionRecommenderServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="SessionRecommenderPool"/> and returns a builder for its models:
    /// <c>services.AddSessionRecommenderPool().FromFile("gru4rec", "gru4rec.zip", watchForChanges: true)</c>, then
    /// inject <see cref="SessionRecommenderPool"/> and call <c>GetRecommender("gru4rec")</c> per request.
    /// </summary>
    public static SessionRecommenderPoolBuilder AddSessionRecommenderPool(this IServiceCollection services, MLContext? mlContext = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new SessionRecommenderPoolBuilder(services);
        services.TryAddSingleton(provider =>
        {
            var pool = new SessionRecommenderPool(mlContext ?? provider.GetService<MLContext>() ?? new MLContext());
            foreach (var register in builder.Registrations) register(pool, provider);
            return pool;
        });
        return builder;
    }

    /// <summary>
    /// Registers a singleton <see cref="SessionRecommender"/> loaded on first use from the model zip at
    /// <paramref name="modelPath"/>. The recommender is thread-safe: inject it anywhere and call
    /// <see cref="SessionRecommender.Recommend"/> or keep a <see cref="RecommendationSession"/> per user session.
    /// For several models or reload on file change use <see cref="AddSessionRecommenderPool"/>.
    /// </summary>
    public static IServiceCollection AddSessionRecommender(this IServiceCollection services, string modelPath, int? topK = null) =>
        AddSessionRecommender(services, null, modelPath, topK);

    /// <summary>As <see cref="AddSessionRecommender(IServiceCollection, string, int?)"/>, loading with <paramref name="mlContext"/>.</summary>
    public static IServiceCollection AddSessionRecommender(this IServiceCollection services, MLContext? mlContext, string modelPath, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        return services.AddSingleton(provider => SessionRecommender.Load(ContextOf(provider, mlContext), modelPath, topK));
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
            return SessionRecommender.Load(ContextOf(provider, null), stream, topK);
        });
    }

    private static MLContext ContextOf(IServiceProvider provider, MLContext? given) => given ?? provider.GetService<MLContext>() ?? new MLContext();
}

/// <summary>Adds models to the <see cref="SessionRecommenderPool"/> registered by <c>AddSessionRecommenderPool</c>.</summary>
public sealed class SessionRecommenderPoolBuilder
{
    internal SessionRecommenderPoolBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    internal List<Action<SessionRecommenderPool, IServiceProvider>> Registrations { get; } = [];

    /// <summary>The default model (<see cref="SessionRecommenderPool.GetRecommender()"/>) from a file.</summary>
    public SessionRecommenderPoolBuilder FromFile(string filePath, bool watchForChanges = false, int? topK = null) =>
        FromFile(SessionRecommenderPool.DefaultModelName, filePath, watchForChanges, topK);

    /// <summary>A named model from a file; with <paramref name="watchForChanges"/> it is reloaded when the file changes.</summary>
    public SessionRecommenderPoolBuilder FromFile(string modelName, string filePath, bool watchForChanges = false, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        Registrations.Add((pool, _) => pool.FromFile(modelName, filePath, watchForChanges, topK));
        return this;
    }

    /// <summary>A named model from the stream that <paramref name="openModel"/> returns (disposed after loading).</summary>
    public SessionRecommenderPoolBuilder FromStream(string modelName, Func<IServiceProvider, Stream> openModel, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(openModel);
        Registrations.Add((pool, provider) => pool.FromStream(modelName, () => openModel(provider), topK));
        return this;
    }
}
