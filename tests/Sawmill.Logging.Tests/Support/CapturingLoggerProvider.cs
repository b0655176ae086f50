using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Logging.Formatting;

namespace Sawmill.Logging.Tests.Support;

/// <summary>
/// A logger provider that runs the real <see cref="SawmillJsonConsoleFormatter"/> and keeps its output, so tests
/// read exactly what the console would print without sharing the process's stdout.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly SawmillJsonConsoleFormatter _formatter;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public CapturingLoggerProvider(SawmillJsonFormatterOptions? options = null, TimeProvider? time = null)
    {
        _formatter = new SawmillJsonConsoleFormatter(new StaticOptionsMonitor<SawmillJsonFormatterOptions>(
            options ?? new SawmillJsonFormatterOptions()), time ?? TimeProvider.System);
    }

    public CapturedLines Output { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() => _formatter.Dispose();

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            using var writer = new StringWriter();
            provider._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter),
                provider._scopes, writer);
            provider.Output.Add(writer.ToString());
        }
    }
}
