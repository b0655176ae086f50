namespace Sawmill.Client;

/// <summary>One log line of a query answer, with the labels of the stream it came in.</summary>
internal readonly record struct LogEntry(long TimestampNs, string Line, IReadOnlyDictionary<string, string> Labels, string LabelsKey);
