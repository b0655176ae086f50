using Microsoft.Extensions.Logging;
using Sawmill.Logging.Formatting;

namespace Sawmill.Logging.Push;

/// <summary>
/// One category's logger of <see cref="SawmillPushLoggerProvider"/>. Formats the event on the caller's thread
/// (scopes live there) into the same JSON line the console formatter writes, and queues it without blocking.
/// </summary>
internal sealed class SawmillPushLogger(string category, SawmillPushLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider.ScopeProvider.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        var sender = provider.Sender;
        var now = provider.Time.GetUtcNow();
        var ns = sender.NextTimestampNs(now);
        var buffer = JsonLogBuffer.Rent();
        byte[] line;
        try
        {
            JsonLogEventWriter.Write(buffer, provider.Layout, now, logLevel, category, eventId, state, exception,
                formatter, provider.ScopeProvider);
            line = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.Return();
        }
        sender.Enqueue(new PendingEntry(ns, line, provider.StreamOf(logLevel)));
    }
}
