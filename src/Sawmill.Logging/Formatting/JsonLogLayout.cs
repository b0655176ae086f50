using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// <see cref="SawmillJsonFormatterOptions"/> compiled once for the hot path: field names pre-encoded, level
/// names per level, property filters frozen. Immutable, so a logger may keep using an old layout while options
/// reload.
/// </summary>
internal sealed class JsonLogLayout
{
    private readonly JsonEncodedText[] _levelNames;
    private readonly string[] _levelStrings;
    private readonly FrozenSet<string> _reserved;
    private readonly FrozenSet<string> _excluded;
    private readonly FrozenSet<string>? _included;
    private readonly FrozenDictionary<string, string> _renamed;

    private JsonLogLayout(SawmillJsonFormatterOptions o)
    {
        var f = o.FieldNames;
        Timestamp = JsonEncodedText.Encode(f.Timestamp);
        Level = JsonEncodedText.Encode(f.Level);
        Logger = JsonEncodedText.Encode(f.Logger);
        Message = JsonEncodedText.Encode(f.Message);
        Exception = JsonEncodedText.Encode(f.Exception);
        ExceptionType = JsonEncodedText.Encode(f.ExceptionType);
        EventId = JsonEncodedText.Encode(f.EventId);
        EventName = JsonEncodedText.Encode(f.EventName);
        File = JsonEncodedText.Encode(f.File);
        Function = JsonEncodedText.Encode(f.Function);
        Line = JsonEncodedText.Encode(f.Line);
        Scopes = JsonEncodedText.Encode(f.Scopes);
        _levelStrings = new string[7];
        _levelNames = new JsonEncodedText[7];
        for (var i = 0; i < 7; i++)
        {
            _levelStrings[i] = o.LevelNames.Get((LogLevel)i);
            _levelNames[i] = JsonEncodedText.Encode(_levelStrings[i]);
        }
        IncludeLogger = o.IncludeLogger;
        IncludeEventId = o.IncludeEventId;
        IncludeExceptionType = o.IncludeExceptionType;
        IncludeSource = o.IncludeSource;
        SourceFileNameOnly = o.SourceFileNameOnly;
        IncludeScopes = o.IncludeScopes;
        TimestampFormat = string.IsNullOrEmpty(o.TimestampFormat) ? null : o.TimestampFormat;
        UseUtcTimestamp = o.UseUtcTimestamp;
        MaxDepth = Math.Max(1, o.MaxDepth);

        // Fields the formatter writes itself: a property with the same name is skipped so that a line never
        // carries a key twice (Loki's json parser would keep only one of them, unpredictably for the reader).
        var reserved = new HashSet<string>(StringComparer.Ordinal) { f.Timestamp, f.Level, f.Message };
        if (IncludeLogger)
            reserved.Add(f.Logger);
        if (IncludeEventId)
        {
            reserved.Add(f.EventId);
            reserved.Add(f.EventName);
        }
        if (IncludeSource)
        {
            reserved.Add(f.File);
            reserved.Add(f.Function);
            reserved.Add(f.Line);
        }
        reserved.Add(f.Exception);
        if (IncludeExceptionType)
            reserved.Add(f.ExceptionType);
        reserved.Add(LogFields.OriginalFormatKey);
        _reserved = reserved.ToFrozenSet(StringComparer.Ordinal);
        _excluded = (o.ExcludedProperties ?? []).ToFrozenSet(StringComparer.Ordinal);
        _renamed = (o.RenamedProperties ?? []).ToFrozenDictionary(StringComparer.Ordinal);
        _included = o.IncludedProperties is { Count: > 0 } inc ? inc.ToFrozenSet(StringComparer.Ordinal) : null;
    }

    public static JsonLogLayout Create(SawmillJsonFormatterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new JsonLogLayout(options);
    }

    public JsonEncodedText Timestamp { get; }
    public JsonEncodedText Level { get; }
    public JsonEncodedText Logger { get; }
    public JsonEncodedText Message { get; }
    public JsonEncodedText Exception { get; }
    public JsonEncodedText ExceptionType { get; }
    public JsonEncodedText EventId { get; }
    public JsonEncodedText EventName { get; }
    public JsonEncodedText File { get; }
    public JsonEncodedText Function { get; }
    public JsonEncodedText Line { get; }
    public JsonEncodedText Scopes { get; }
    public bool IncludeLogger { get; }
    public bool IncludeEventId { get; }
    public bool IncludeExceptionType { get; }
    public bool IncludeSource { get; }
    public bool SourceFileNameOnly { get; }
    public bool IncludeScopes { get; }
    public string? TimestampFormat { get; }
    public bool UseUtcTimestamp { get; }
    public int MaxDepth { get; }

    public JsonEncodedText LevelName(LogLevel level) => _levelNames[(uint)level < 7 ? (int)level : 6];

    public string LevelString(LogLevel level) => _levelStrings[(uint)level < 7 ? (int)level : 6];

    /// <summary>
    /// True when a template or scope property of this name goes into the line, under <paramref name="outputName"/>.
    /// Exclusion and inclusion lists apply to the original name; the clash check with standard fields to the output name.
    /// </summary>
    public bool Admits(string name, out string outputName)
    {
        outputName = name;
        if (_excluded.Contains(name) || (_included != null && !_included.Contains(name)))
            return false;
        if (_renamed.Count > 0 && _renamed.TryGetValue(name, out var renamed))
            outputName = renamed;
        return !_reserved.Contains(outputName);
    }
}
