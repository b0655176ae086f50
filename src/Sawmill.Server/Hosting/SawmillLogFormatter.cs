using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Sawmill.Server.Hosting;

/// <summary>
/// Sawmill's own log lines, as Loki writes its own: logfmt (<c>level=info ts=… caller=… msg="…" key=value</c>) or one
/// JSON object per line. Message-template values become keys, so the lines are queryable with <c>| logfmt</c> or <c>| json</c>.
/// </summary>
public abstract partial class SawmillLogFormatter : ConsoleFormatter
{
    [System.Text.RegularExpressions.GeneratedRegex(@"\s*[\w.]+=\{[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex PairRegex();

    public const string LogfmtName = "sawmill-logfmt";
    public const string JsonName = "sawmill-json";
    private readonly bool _json;

    private protected SawmillLogFormatter(bool json) : base(json ? JsonName : LogfmtName) => _json = json;

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var fields = new List<KeyValuePair<string, object?>>
        {
            new("level", Level(logEntry.LogLevel)),
            new("ts", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)),
            new("caller", Short(logEntry.Category)),
        };
        string message;
        if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            var template = values.FirstOrDefault(v => v.Key == "{OriginalFormat}").Value as string;
            // "Listening addr={Addr}" logs msg="Listening" addr=…: key={Key} pairs become fields, other holes are filled.
            message = template == null ? logEntry.Formatter(logEntry.State, logEntry.Exception) : PairRegex().Replace(template, "");
            if (message.Contains('{', StringComparison.Ordinal))
                message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            fields.Add(new("msg", message));
            foreach (var v in values)
            {
                if (v.Key == "{OriginalFormat}")
                    continue;
                fields.Add(new(Snake(v.Key), v.Value));
            }
        }
        else
        {
            fields.Add(new("msg", logEntry.Formatter(logEntry.State, logEntry.Exception)));
        }
        if (logEntry.Exception != null)
            fields.Add(new("err", logEntry.Exception.Message));
        textWriter.Write(_json ? ToJson(fields) : ToLogfmt(fields));
        textWriter.Write('\n');
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        _ => "error",
    };

    private static string Short(string category)
    {
        var dot = category.LastIndexOf('.');
        return dot >= 0 ? category[(dot + 1)..] : category;
    }

    private static string Snake(string key)
    {
        var sb = new StringBuilder(key.Length + 4);
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static string Text(object? v) => v switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    internal static string ToLogfmt(List<KeyValuePair<string, object?>> fields)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in fields)
        {
            if (sb.Length > 0)
                sb.Append(' ');
            sb.Append(k).Append('=');
            var s = Text(v);
            if (s.Length == 0 || s.AsSpan().IndexOfAny(" =\"\t\n\\") >= 0)
            {
                sb.Append('"');
                foreach (var c in s)
                {
                    switch (c)
                    {
                        case '"': sb.Append("\\\""); break;
                        case '\\': sb.Append("\\\\"); break;
                        case '\n': sb.Append("\\n"); break;
                        case '\t': sb.Append("\\t"); break;
                        default: sb.Append(c); break;
                    }
                }
                sb.Append('"');
            }
            else
            {
                sb.Append(s);
            }
        }
        return sb.ToString();
    }

    private static string ToJson(List<KeyValuePair<string, object?>> fields)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (k, v) in fields)
            {
                switch (v)
                {
                    case null: w.WriteNull(k); break;
                    case bool b: w.WriteBoolean(k, b); break;
                    case int or long or double or float or decimal: w.WriteNumber(k, Convert.ToDouble(v, CultureInfo.InvariantCulture)); break;
                    default: w.WriteString(k, Text(v)); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}

/// <summary>The logfmt flavour of <see cref="SawmillLogFormatter"/>.</summary>
public sealed class LogfmtFormatter(IOptionsMonitor<ConsoleFormatterOptions> options) : SawmillLogFormatter(false)
{
    internal IOptionsMonitor<ConsoleFormatterOptions> Options { get; } = options;
}

/// <summary>The JSON flavour of <see cref="SawmillLogFormatter"/>.</summary>
public sealed class JsonLineFormatter(IOptionsMonitor<ConsoleFormatterOptions> options) : SawmillLogFormatter(true)
{
    internal IOptionsMonitor<ConsoleFormatterOptions> Options { get; } = options;
}

/// <summary>Sets up Sawmill's own logging (level and format from the config) on any logging builder.</summary>
public static class SawmillLogging
{
    /// <summary>Category of the start-up lines (the bound address) that are logged whatever the level.</summary>
    public const string StartupCategory = "sawmill.startup";

    public static void Configure(ILoggingBuilder builder, string level, string format)
    {
        builder.ClearProviders();
        builder.AddConsole(o => o.FormatterName = format == "json" ? JsonName : LogfmtName);
        builder.AddConsoleFormatter<LogfmtFormatter, ConsoleFormatterOptions>();
        builder.AddConsoleFormatter<JsonLineFormatter, ConsoleFormatterOptions>();
        builder.SetMinimumLevel(level switch
        {
            "debug" => LogLevel.Debug,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        });
        builder.AddFilter(StartupCategory, LogLevel.Information);
        // ASP.NET Core's own chatter stays at warnings unless debugging.
        builder.AddFilter("Microsoft", level == "debug" ? LogLevel.Debug : LogLevel.Warning);
    }

    private const string JsonName = SawmillLogFormatter.JsonName;
    private const string LogfmtName = SawmillLogFormatter.LogfmtName;
}
