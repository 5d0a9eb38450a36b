using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.ML;
using OpenTelemetry.Metrics;

namespace MLNet.SessionRec.Serving;

/// <summary>Builds the service (used by Program, and by the tests to run instances on local ports).</summary>
public static class ServingApp
{
    public const string SessionLimitPolicy = "per-session";

    /// <summary>
    /// The service configured from <paramref name="args"/> (and appsettings/environment): <c>--redis HOST:PORT</c> switches
    /// to the Redis store, <c>--model PATH</c> names the model zip; any <c>--Serving:Name=value</c> of <see cref="ServingOptions"/>.
    /// </summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
        {
            ["--redis"] = "Serving:Redis",
            ["--model"] = "Serving:ModelPath",
        });
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(ServingOptions.Section).Get<ServingOptions>() ?? new ServingOptions();
        builder.Services.Configure<ServingOptions>(builder.Configuration.GetSection(ServingOptions.Section));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ModelPath))!);

        // The model: the library's DI registration (the container's MLContext), reloaded when the file changes.
        builder.Services.AddSingleton(new MLContext(seed: 0));
        builder.Services.AddSessionRecommenderPool().FromFile(options.ModelName, options.ModelPath, watchForChanges: true, topK: options.DefaultK);
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ModelHost>());

        builder.Services.AddSingleton<ISessionStore>(_ => string.IsNullOrWhiteSpace(options.Redis)
            ? new MemorySessionStore(options.MaxSessions, options.IdleTimeout)
            : new RedisSessionStore(options.Redis, $"{options.RedisKeyPrefix}:{options.ModelName}:", options.IdleTimeout));
        builder.Services.AddSingleton<ServingMetrics>();

        builder.Services.AddProblemDetails();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SessionLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Request.RouteValues["sessionId"]?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SessionRequestLimit, Window = options.SessionRequestWindow, QueueLimit = 0 }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var problem = TypedResults.Problem($"More than {options.SessionRequestLimit} requests for this session in {options.SessionRequestWindow.TotalSeconds:0.#} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");
                await problem.ExecuteAsync(context.HttpContext);
            };
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServingMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.MapPrometheusScrapingEndpoint();   // /metrics
        SessionEndpoints.Map(app);
        _ = app.Services.GetRequiredService<ServingMetrics>();   // instruments exist before the first scrape
        return app;
    }
}
