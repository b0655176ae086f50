using Microsoft.Extensions.Logging;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// How each level is spelled in the <c>level</c> field (and in the push provider's <c>level</c> label).
/// Defaults are Python's level names, which the course's queries use (<c>level="ERROR"</c>, <c>level="WARNING"</c>).
/// </summary>
public sealed class LogLevelNames
{
    public string Trace { get; set; } = "TRACE";
    public string Debug { get; set; } = "DEBUG";
    public string Information { get; set; } = "INFO";
    public string Warning { get; set; } = "WARNING";
    public string Error { get; set; } = "ERROR";
    public string Critical { get; set; } = "CRITICAL";

    public string Get(LogLevel level) => level switch
    {
        LogLevel.Trace => Trace,
        LogLevel.Debug => Debug,
        LogLevel.Information => Information,
        LogLevel.Warning => Warning,
        LogLevel.Error => Error,
        LogLevel.Critical => Critical,
        _ => "NONE",
    };
}
