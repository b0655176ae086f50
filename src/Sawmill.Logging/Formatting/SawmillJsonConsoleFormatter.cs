using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// Console formatter writing one JSON object per line (the course's <c>StructuredFormatter</c>): timestamp,
/// level, logger, message, the message template's named values, scope values such as <c>request_id</c>, and
/// exception details. Select it with <c>AddSawmillJsonConsole()</c> or <c>"FormatterName": "sawmill-json"</c>.
/// Thread-safe; each call formats into a per-thread buffer and writes the line with one TextWriter call.
/// </summary>
public sealed class SawmillJsonConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "sawmill-json";

    private readonly IDisposable? _reload;
    private readonly TimeProvider _time;
    private volatile JsonLogLayout _layout;

    public SawmillJsonConsoleFormatter(IOptionsMonitor<SawmillJsonFormatterOptions> options)
        : this(options, TimeProvider.System)
    {
    }

    internal SawmillJsonConsoleFormatter(IOptionsMonitor<SawmillJsonFormatterOptions> options, TimeProvider time)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _layout = JsonLogLayout.Create(options.CurrentValue);
        _reload = options.OnChange(o => _layout = JsonLogLayout.Create(o));
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var buffer = JsonLogBuffer.Rent();
        try
        {
            JsonLogEventWriter.Write(buffer, _layout, _time.GetUtcNow(), logEntry.LogLevel, logEntry.Category,
                logEntry.EventId, logEntry.State, logEntry.Exception, logEntry.Formatter ?? DefaultFormatter<TState>.Instance,
                scopeProvider);
            WriteLine(buffer.WrittenSpan, textWriter);
        }
        finally
        {
            buffer.Return();
        }
    }

    private static void WriteLine(ReadOnlySpan<byte> utf8, TextWriter textWriter)
    {
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length) + 1);
        try
        {
            var n = Encoding.UTF8.GetChars(utf8, chars);
            chars[n++] = '\n';
            textWriter.Write(chars, 0, n);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    public void Dispose() => _reload?.Dispose();

    private static class DefaultFormatter<TState>
    {
        public static readonly Func<TState, Exception?, string> Instance = static (s, _) => s?.ToString() ?? "";
    }
}
