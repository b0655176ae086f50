using System.Diagnostics;
using ChurnApi.Model;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Prometheus;
using Sawmill.Logging;

namespace ChurnApi;

/// <summary>
/// Builds the churn API: JSON logs (Sawmill.Logging, console and — when <c>SawmillLogging:Push:Url</c> is set —
/// pushed to Sawmill), request-id middleware, the model trained at start-up, <c>/predict</c>, <c>/health</c>,
/// <c>/metrics</c> and the course's <c>/test-logs</c>. Settings come from <c>ChurnApi.settings.json</c> next to
/// the binary, then environment variables and the command line (<c>--urls</c>, <c>--ChurnApi:Seed=7</c>).
/// </summary>
internal static class ChurnApiApp
{
    public const string SettingsFile = "ChurnApi.settings.json";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        // Lowest precedence, so that environment variables and the command line override the file; loaded from the
        // binary's folder so that the API finds it whatever the working directory (sawmill demo starts it elsewhere).
        var baseDir = AppContext.BaseDirectory;
        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new JsonConfigurationSource
        {
            Path = SettingsFile,
            Optional = true,
            FileProvider = new PhysicalFileProvider(baseDir),
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSawmillLogging(builder.Configuration);

        var options = builder.Configuration.GetSection("ChurnApi").Get<ChurnApiOptions>() ?? new ChurnApiOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => ChurnModel.Train(options.ModelVersion, options.Seed));
        builder.Services.AddSingleton(_ => new FeatureStore(options.FeatureStore, options.Seed));
        builder.Services.AddSingleton<PredictionHandler>();
        configure?.Invoke(builder);

        var app = builder.Build();
        var model = app.Services.GetRequiredService<ChurnModel>();
        app.Logger.Info("Model trained", new()
        {
            ["model_version"] = model.Version,
            ["training_accuracy"] = Math.Round(model.TrainingAccuracy, 4),
            ["features"] = Array.ConvertAll(FeatureSpec.All, f => f.Name),
        });

        app.UseSawmillRequestLogging();
        app.Use(CountRequests);

        app.MapGet("/", () => Results.Json(new
        {
            service = "churn-api",
            model_version = model.Version,
            endpoints = new[] { "POST /predict", "GET /health", "GET /metrics", "GET /test-logs" },
            features = FeatureSpec.All,
        }));
        app.MapPost("/predict", (HttpContext ctx, PredictionHandler handler) => handler.HandleAsync(ctx));
        app.MapGet("/health", () => Results.Json(new { status = "healthy", model_version = model.Version }));
        app.MapGet("/test-logs", (ILoggerFactory loggers) =>
        {
            // The course's Exercise 2.
            var log = loggers.CreateLogger(PredictionHandler.Category);
            log.Info("Info log", new() { ["custom_field"] = "value" });
            log.Warning("Warning log", new() { ["threshold"] = 100 });
            log.Error("Error log", new() { ["error_code"] = 500 });
            return Results.Json(new { status = "logged" });
        });
        app.MapMetrics("/metrics");
        return app;
    }

    /// <summary>Feeds churn_api_requests_total{status} and the latency histogram (not for /metrics itself).</summary>
    private static async Task CountRequests(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path == "/metrics")
        {
            await next(context);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            ChurnMetrics.Requests.WithLabels(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            var known = path is "/predict" or "/health" or "/test-logs" or "/" ? path : "other";
            ChurnMetrics.Latency.WithLabels(known).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }
}
