using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sawmill.Logging.Middleware;

/// <summary>
/// The course's request-id middleware for ASP.NET Core. Per request: takes the id from the request-id header
/// (or the trace id of a valid <c>traceparent</c>, or makes a new UUID), stores it in
/// <see cref="HttpContext.TraceIdentifier"/> and the response header, opens a logging scope
/// <c>request_id</c> around the rest of the pipeline (so every log line of the request carries it), and logs
/// <c>Request started</c> (method, path, client_host), <c>Request completed</c> (method, path, status_code,
/// latency_ms) or, when the pipeline throws, <c>Request failed</c> (ERROR with method, path, latency_ms,
/// error_type and the exception) before rethrowing.
/// </summary>
public sealed class RequestLoggingMiddleware
{
    /// <summary>Logger category of the start/completion events.</summary>
    public const string Category = "Sawmill.Logging.RequestLogging";

    private readonly RequestDelegate _next;
    private readonly ILogger _logger;
    private readonly RequestLoggingOptions _options;

    public RequestLoggingMiddleware(RequestDelegate next, ILoggerFactory loggerFactory, IOptions<RequestLoggingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _logger = loggerFactory.CreateLogger(Category);
        _options = options.Value;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = ResolveRequestId(context.Request.Headers);
        context.TraceIdentifier = requestId;
        context.Response.Headers[_options.HeaderName] = requestId;
        var scope = new LogFields(1) { [_options.ScopeKey] = requestId };
        scope.Message = _options.ScopeKey + "=" + requestId;
        using var _ = _logger.BeginScope(scope);

        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        var quiet = _options.IsExcluded(context.Request.Path);
        if (_options.LogRequestStarted && !quiet && _logger.IsEnabled(LogLevel.Information))
        {
            _logger.Info("Request started", new LogFields(3)
            {
                ["method"] = method,
                ["path"] = path,
                ["client_host"] = context.Connection.RemoteIpAddress?.ToString(),
            });
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            await _next(context);
        }
        catch (Exception e)
        {
            _logger.Error("Request failed", new LogFields(4)
            {
                ["method"] = method,
                ["path"] = path,
                ["latency_ms"] = LatencyMs(start),
                ["error_type"] = e.GetType().Name,
            }, e);
            throw;
        }
        if (!quiet && _logger.IsEnabled(LogLevel.Information))
        {
            _logger.Info("Request completed", new LogFields(4)
            {
                ["method"] = method,
                ["path"] = path,
                ["status_code"] = context.Response.StatusCode,
                ["latency_ms"] = LatencyMs(start),
            });
        }
    }

    private static double LatencyMs(long start) => Math.Round(Stopwatch.GetElapsedTime(start).TotalMilliseconds, 2);

    internal string ResolveRequestId(IHeaderDictionary headers)
    {
        var given = headers[_options.HeaderName].ToString();
        if (IsAcceptableId(given, _options.MaxRequestIdLength))
            return given;
        if (_options.UseTraceParent && TryGetTraceId(headers.TraceParent.ToString(), out var traceId))
            return traceId;
        return Guid.NewGuid().ToString("D");
    }

    /// <summary>Printable ASCII without spaces or quotes, so the id is safe in headers, JSON and LogQL strings.</summary>
    internal static bool IsAcceptableId(string id, int maxLength)
    {
        if (id.Length == 0 || id.Length > maxLength)
            return false;
        foreach (var c in id)
        {
            if (c <= ' ' || c > '~' || c == '"' || c == '\\')
                return false;
        }
        return true;
    }

    /// <summary>
    /// W3C trace context: <c>version-traceid-parentid-flags</c>, version 2 hex digits (not <c>ff</c>), trace id 32
    /// lowercase hex digits not all zero, parent id 16 hex digits, flags 2 hex digits.
    /// </summary>
    internal static bool TryGetTraceId(string traceParent, out string traceId)
    {
        traceId = "";
        var parts = traceParent.Trim().Split('-');
        if (parts.Length < 4 || parts[0].Length != 2 || parts[0] == "ff" || parts[1].Length != 32 || parts[2].Length != 16
            || parts[3].Length != 2)
            return false;
        if (!IsLowerHex(parts[0]) || !IsLowerHex(parts[1]) || !IsLowerHex(parts[2]) || !IsLowerHex(parts[3]))
            return false;
        if (parts[1].AsSpan().IndexOfAnyExcept('0') < 0 || parts[2].AsSpan().IndexOfAnyExcept('0') < 0)
            return false;
        traceId = parts[1];
        return true;
    }

    private static bool IsLowerHex(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
                return false;
        }
        return true;
    }
}
