using Microsoft.Extensions.Logging.Console;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// Options of the JSON line format, shared by the console formatter and the push provider. Bindable from
/// configuration (<c>SawmillLogging:Console</c> / <c>SawmillLogging:Push:Format</c>).
/// <see cref="ConsoleFormatterOptions.TimestampFormat"/> replaces the default RFC 3339 form
/// (<c>2023-12-15T10:30:45.123Z</c>) when set; <see cref="ConsoleFormatterOptions.UseUtcTimestamp"/> defaults to true.
/// </summary>
public sealed class SawmillJsonFormatterOptions : ConsoleFormatterOptions
{
    public SawmillJsonFormatterOptions()
    {
        IncludeScopes = true;
        UseUtcTimestamp = true;
    }

    public JsonFieldNames FieldNames { get; set; } = new();

    public LogLevelNames LevelNames { get; set; } = new();

    /// <summary>Write the logger's category (<c>logger</c>). Default true.</summary>
    public bool IncludeLogger { get; set; } = true;

    /// <summary>Write <c>event_id</c>/<c>event_name</c> when the event has them. Default false.</summary>
    public bool IncludeEventId { get; set; }

    /// <summary>Write <c>exception_type</c> next to <c>exception</c>. Default true.</summary>
    public bool IncludeExceptionType { get; set; } = true;

    /// <summary>
    /// Write <c>file</c>, <c>function</c>, <c>line</c> of the call site. Known only for calls made through
    /// <see cref="SawmillLoggerExtensions"/> (caller information captured at compile time). Default false.
    /// </summary>
    public bool IncludeSource { get; set; }

    /// <summary>Write only the file name rather than the build machine's full path. Default true.</summary>
    public bool SourceFileNameOnly { get; set; } = true;

    /// <summary>
    /// Property names (from message templates or scopes) never written. The defaults drop ASP.NET Core's hosting
    /// scope values, which repeat what the request middleware writes as <c>request_id</c> and <c>path</c>.
    /// </summary>
    public HashSet<string> ExcludedProperties { get; set; } = new(StringComparer.Ordinal)
    {
        "ConnectionId", "RequestId", "RequestPath", "ParentId",
    };

    /// <summary>
    /// Template/scope property names written under another name. The defaults give the W3C trace context values
    /// that ASP.NET Core adds to scopes the snake_case names Loki users query (<c>| json | trace_id="…"</c>).
    /// </summary>
    public Dictionary<string, string> RenamedProperties { get; set; } = new(StringComparer.Ordinal)
    {
        ["TraceId"] = "trace_id",
        ["SpanId"] = "span_id",
    };

    /// <summary>When non-empty, only these template/scope properties are written (standard fields always are).</summary>
    public HashSet<string> IncludedProperties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Nesting limit for objects and arrays in values; deeper values are written as strings.</summary>
    public int MaxDepth { get; set; } = 8;
}
