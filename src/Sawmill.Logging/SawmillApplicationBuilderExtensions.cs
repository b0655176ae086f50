using Microsoft.AspNetCore.Builder;
using Sawmill.Logging.Middleware;

namespace Sawmill.Logging;

/// <summary>Adds <see cref="RequestLoggingMiddleware"/>; put it first so that every later log line has the request id.</summary>
public static class SawmillApplicationBuilderExtensions
{
    public static IApplicationBuilder UseSawmillRequestLogging(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<RequestLoggingMiddleware>();
    }
}
