namespace Sawmill.Logging.Formatting;

/// <summary>Names of the fields the formatter writes itself. Defaults follow the course's Python formatter.</summary>
public sealed class JsonFieldNames
{
    public string Timestamp { get; set; } = "timestamp";
    public string Level { get; set; } = "level";
    public string Logger { get; set; } = "logger";
    public string Message { get; set; } = "message";
    public string Exception { get; set; } = "exception";
    public string ExceptionType { get; set; } = "exception_type";
    public string EventId { get; set; } = "event_id";
    public string EventName { get; set; } = "event_name";
    public string File { get; set; } = "file";
    public string Function { get; set; } = "function";
    public string Line { get; set; } = "line";

    /// <summary>Scope values that are not name/value pairs (plain strings) go into this array.</summary>
    public string Scopes { get; set; } = "scopes";
}
