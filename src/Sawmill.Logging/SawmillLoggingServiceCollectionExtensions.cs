using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Logging.Formatting;
using Sawmill.Logging.Middleware;
using Sawmill.Logging.Push;

namespace Sawmill.Logging;

/// <summary>
/// One-call setup from configuration:
/// <code>
/// "SawmillLogging": {
///   "Console":  { "Enabled": true, "IncludeSource": false, "LevelNames": { "Information": "INFO" } },
///   "Push":     { "Url": "http://localhost:3100", "TenantId": "fake", "Labels": { "app": "churn-api", "env": "dev" } },
///   "Requests": { "HeaderName": "X-Request-ID", "ExcludedPaths": [ "/metrics" ] }
/// }
/// </code>
/// The push provider is added only when <c>Push:Url</c> is set.
/// </summary>
public static class SawmillLoggingServiceCollectionExtensions
{
    public const string DefaultSectionName = "SawmillLogging";

    public static IServiceCollection AddSawmillLogging(this IServiceCollection services, IConfiguration configuration,
        string sectionName = DefaultSectionName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(sectionName);
        services.Configure<RequestLoggingOptions>(section.GetSection("Requests"));
        services.AddLogging(logging =>
        {
            if (section.GetValue("Console:Enabled", true))
            {
                logging.AddSawmillJsonConsole();
                services.Configure<SawmillJsonFormatterOptions>(section.GetSection("Console"));
            }
            if (!string.IsNullOrWhiteSpace(section["Push:Url"]))
            {
                logging.AddSawmillPush();
                services.Configure<SawmillPushOptions>(section.GetSection("Push"));
            }
        });
        return services;
    }
}
