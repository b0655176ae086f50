using System.Collections;

namespace Sawmill.Logging;

/// <summary>
/// The state of one structured log event: a fixed message plus named fields that go out as top-level JSON
/// properties (the .NET counterpart of Python's <c>extra={…}</c>). Collection-initialisable:
/// <c>new LogFields { ["confidence"] = 0.87, ["model_version"] = "v1.2.3" }</c>.
/// Enumerating yields the fields and then <c>{OriginalFormat}</c> = the message, so other providers
/// (the default console, OpenTelemetry) see the message too. Not thread-safe while being filled; a logger
/// reads it only during the <c>Log</c> call.
/// </summary>
public sealed class LogFields : IReadOnlyList<KeyValuePair<string, object?>>
{
    internal const string OriginalFormatKey = "{OriginalFormat}";

    private readonly List<KeyValuePair<string, object?>> _fields;

    public LogFields() => _fields = new(4);

    public LogFields(int capacity) => _fields = new(capacity);

    /// <summary>The message; set by the logging extension methods.</summary>
    public string Message { get; internal set; } = "";

    /// <summary>Caller information captured by the extension methods (written when IncludeSource is on).</summary>
    internal string? SourceFile { get; set; }

    internal string? SourceMember { get; set; }

    internal int SourceLine { get; set; }

    /// <summary>The number of fields, not counting <c>{OriginalFormat}</c>.</summary>
    public int FieldCount => _fields.Count;

    public int Count => _fields.Count + 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == _fields.Count ? new(OriginalFormatKey, Message) : _fields[index];

    /// <summary>Sets a field; a later value for the same name replaces the earlier one.</summary>
    public object? this[string name]
    {
        set => Add(name, value);
    }

    public void Add(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        for (var i = 0; i < _fields.Count; i++)
        {
            if (string.Equals(_fields[i].Key, name, StringComparison.Ordinal))
            {
                _fields[i] = new(name, value);
                return;
            }
        }
        _fields.Add(new(name, value));
    }

    internal KeyValuePair<string, object?> FieldAt(int index) => _fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;

    /// <summary>The formatter delegate handed to <c>ILogger.Log</c>.</summary>
    internal static readonly Func<LogFields, Exception?, string> Formatter = static (s, _) => s.Message;
}
