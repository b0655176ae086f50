using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sawmill.Logging;
using Sawmill.Logging.Formatting;

namespace Sawmill.Benchmarks.Logging;

/// <summary>
/// Cost of one log call through the JSON console formatter (format + UTF-8→UTF-16 + TextWriter.Write), excluding the
/// console itself: <c>dotnet run -c Release --project bench/Sawmill.Benchmarks -- --filter '*JsonFormatter*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class JsonFormatterBenchmarks
{
    private static readonly Action<ILogger, string, double, string, double, Exception?> PredictionSuccessful =
        LoggerMessage.Define<string, double, string, double>(LogLevel.Information, default,
            "Prediction successful {prediction} {confidence} {model_version} {latency_ms}");

    private SawmillJsonConsoleFormatter _formatter = null!;
    private LoggerExternalScopeProvider _scopes = null!;
    private IDisposable _scope = null!;
    private TemplateCapture _capture = null!;

    [GlobalSetup]
    public void Setup()
    {
        _formatter = new SawmillJsonConsoleFormatter(new FixedMonitor(new SawmillJsonFormatterOptions()));
        _scopes = new LoggerExternalScopeProvider();
        _scope = _scopes.Push(new LogFields(1) { ["request_id"] = "3278ef35-3c0a-41eb-baa6-31cc8f856342" });
        _capture = new TemplateCapture(this);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope.Dispose();
        _formatter.Dispose();
    }

    /// <summary>The course's "Prediction successful" event through <see cref="SawmillLoggerExtensions"/> (LogFields state).</summary>
    [Benchmark(Baseline = true)]
    public void LogFields_event_with_request_scope()
    {
        var fields = new LogFields(4)
        {
            ["prediction"] = "no_churn",
            ["confidence"] = 0.87,
            ["model_version"] = "v1.2.3",
            ["latency_ms"] = 45.3,
        };
        fields.Message = "Prediction successful";
        _formatter.Write(new LogEntry<LogFields>(LogLevel.Information, "churn_api", default, fields, null,
            static (s, _) => s.Message), _scopes, TextWriter.Null);
    }

    /// <summary>The same event as a LoggerMessage.Define template (MEL's own state type).</summary>
    [Benchmark]
    public void Message_template_event_with_request_scope() =>
        PredictionSuccessful(_capture, "no_churn", 0.87, "v1.2.3", 45.3, null);

    private void Write<TState>(LogLevel level, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _formatter.Write(new LogEntry<TState>(level, "churn_api", default, state, exception, formatter), _scopes, TextWriter.Null);

    /// <summary>Hands LoggerMessage's state straight to the formatter (no provider machinery in between).</summary>
    private sealed class TemplateCapture(JsonFormatterBenchmarks owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => owner.Write(logLevel, state, exception, formatter);
    }

    private sealed class FixedMonitor(SawmillJsonFormatterOptions value) : IOptionsMonitor<SawmillJsonFormatterOptions>
    {
        public SawmillJsonFormatterOptions CurrentValue => value;

        public SawmillJsonFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SawmillJsonFormatterOptions, string?> listener) => null;
    }
}
