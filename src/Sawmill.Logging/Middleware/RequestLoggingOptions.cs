using Microsoft.AspNetCore.Http;

namespace Sawmill.Logging.Middleware;

/// <summary>Options of <see cref="RequestLoggingMiddleware"/> (configuration section <c>SawmillLogging:Requests</c>).</summary>
public sealed class RequestLoggingOptions
{
    /// <summary>Request header carrying the caller's request id; the response echoes it. Default <c>X-Request-ID</c>.</summary>
    public string HeaderName { get; set; } = "X-Request-ID";

    /// <summary>Use the W3C <c>traceparent</c> trace id when the request has no request-id header. Default true.</summary>
    public bool UseTraceParent { get; set; } = true;

    /// <summary>Name of the scope value (and so of the JSON field) holding the id. Default <c>request_id</c>.</summary>
    public string ScopeKey { get; set; } = "request_id";

    /// <summary>Log <c>Request started</c> as well as <c>Request completed</c>. Default true.</summary>
    public bool LogRequestStarted { get; set; } = true;

    /// <summary>
    /// Paths (exact, case-insensitive) whose start/completion is not logged, e.g. <c>/metrics</c> scraped every
    /// few seconds. They still get a request id. Default empty.
    /// </summary>
    public HashSet<string> ExcludedPaths { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Longest incoming request id accepted; longer or non-printable ids are replaced by a new one. Default 128.</summary>
    public int MaxRequestIdLength { get; set; } = 128;

    internal bool IsExcluded(PathString path) => ExcludedPaths.Count > 0 && path.HasValue && ExcludedPaths.Contains(path.Value!);
}
