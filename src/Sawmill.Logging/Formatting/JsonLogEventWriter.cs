using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// Writes one log event as a single JSON object (no trailing newline) into a <see cref="JsonLogBuffer"/>.
/// Field order: timestamp, level, logger, message, event id, source, the event's own properties, scope
/// properties, non-pair scopes, exception. The first occurrence of a name wins (event properties over scopes,
/// outer scopes over inner ones) so that no key appears twice.
/// </summary>
internal static class JsonLogEventWriter
{
    private static readonly Action<object?, JsonLogBuffer> ScopeCallback = WriteScope;

    public static void Write<TState>(JsonLogBuffer buffer, JsonLogLayout layout, DateTimeOffset timestamp, LogLevel level,
        string category, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter,
        IExternalScopeProvider? scopes)
    {
        var w = buffer.Writer;
        buffer.Layout = layout;
        w.WriteStartObject();
        WriteTimestamp(w, layout, timestamp);
        w.WriteString(layout.Level, layout.LevelName(level));
        if (layout.IncludeLogger)
            w.WriteString(layout.Logger, category);
        w.WriteString(layout.Message, formatter(state, exception));
        if (layout.IncludeEventId && eventId.Id != 0)
        {
            w.WriteNumber(layout.EventId, eventId.Id);
            if (!string.IsNullOrEmpty(eventId.Name))
                w.WriteString(layout.EventName, eventId.Name);
        }

        if (state is LogFields fields)
        {
            if (layout.IncludeSource && fields.SourceMember != null)
            {
                var file = fields.SourceFile ?? "";
                w.WriteString(layout.File, layout.SourceFileNameOnly ? FileName(file) : file);
                w.WriteString(layout.Function, fields.SourceMember);
                w.WriteNumber(layout.Line, fields.SourceLine);
            }
            for (var i = 0; i < fields.FieldCount; i++)
            {
                var (k, v) = fields.FieldAt(i);
                WriteProperty(buffer, layout, k, v);
            }
        }
        else if (state is IReadOnlyList<KeyValuePair<string, object?>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var (k, v) = list[i];
                WriteProperty(buffer, layout, k, v);
            }
        }
        else if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (k, v) in pairs)
                WriteProperty(buffer, layout, k, v);
        }

        if (layout.IncludeScopes && scopes != null)
        {
            scopes.ForEachScope(ScopeCallback, buffer);
            if (buffer.ScopeStrings.Count > 0)
            {
                w.WriteStartArray(layout.Scopes);
                foreach (var s in buffer.ScopeStrings)
                    w.WriteStringValue(s);
                w.WriteEndArray();
            }
        }

        if (exception != null)
        {
            w.WriteString(layout.Exception, exception.ToString());
            if (layout.IncludeExceptionType)
                w.WriteString(layout.ExceptionType, exception.GetType().Name);
        }
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteProperty(JsonLogBuffer buffer, JsonLogLayout layout, string name, object? value)
    {
        if (!layout.Admits(name, out var outputName) || !buffer.Seen.Add(outputName))
            return;
        buffer.Writer.WritePropertyName(outputName);
        JsonValueWriter.Write(buffer.Writer, value, layout.MaxDepth);
    }

    private static void WriteScope(object? scope, JsonLogBuffer buffer)
    {
        switch (scope)
        {
            case null:
                return;
            case LogFields fields:
                for (var i = 0; i < fields.FieldCount; i++)
                {
                    var (k, v) = fields.FieldAt(i);
                    WriteProperty(buffer, buffer.Layout, k, v);
                }
                return;
            case IReadOnlyList<KeyValuePair<string, object?>> list:
                for (var i = 0; i < list.Count; i++)
                {
                    var (k, v) = list[i];
                    WriteProperty(buffer, buffer.Layout, k, v);
                }
                return;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (k, v) in pairs)
                    WriteProperty(buffer, buffer.Layout, k, v);
                return;
            case IEnumerable<KeyValuePair<string, string>> stringPairs:
                foreach (var (k, v) in stringPairs)
                    WriteProperty(buffer, buffer.Layout, k, v);
                return;
            default:
                buffer.ScopeStrings.Add(Convert.ToString(scope, CultureInfo.InvariantCulture) ?? "");
                return;
        }
    }

    private static void WriteTimestamp(Utf8JsonWriter w, JsonLogLayout layout, DateTimeOffset timestamp)
    {
        if (layout.TimestampFormat != null)
        {
            var t = layout.UseUtcTimestamp ? timestamp.ToUniversalTime() : timestamp.ToLocalTime();
            w.WriteString(layout.Timestamp, t.ToString(layout.TimestampFormat, CultureInfo.InvariantCulture));
            return;
        }
        Span<byte> buf = stackalloc byte[40];
        bool ok;
        int n;
        if (layout.UseUtcTimestamp)
            ok = timestamp.UtcDateTime.TryFormat(buf, out n, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        else
            ok = timestamp.ToLocalTime().TryFormat(buf, out n, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        if (ok)
            w.WriteString(layout.Timestamp, buf[..n]);
        else
            w.WriteString(layout.Timestamp, timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
    }

    private static string FileName(string path)
    {
        var i = path.LastIndexOfAny(['/', '\\']);
        return i < 0 ? path : path[(i + 1)..];
    }
}
