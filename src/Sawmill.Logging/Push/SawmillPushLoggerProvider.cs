using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sawmill.Core;
using Sawmill.Logging.Formatting;

namespace Sawmill.Logging.Push;

/// <summary>
/// A logger provider that sends JSON log lines straight to Sawmill or Grafana Loki (<c>POST /loki/api/v1/push</c>),
/// with stream labels from <see cref="SawmillPushOptions.Labels"/> (plus <c>level</c>). Logging never blocks the
/// caller: lines go into a bounded queue drained by one background task that batches, compresses and retries.
/// Drops are counted (<see cref="Statistics"/>, the <c>Sawmill.Logging</c> meter) and reported by a periodic
/// <c>Log entries dropped</c> line. Dispose flushes for up to <see cref="SawmillPushOptions.FlushTimeout"/>.
/// Filter its levels under <c>Logging:SawmillPush:LogLevel</c>.
/// </summary>
[ProviderAlias("SawmillPush")]
public sealed partial class SawmillPushLoggerProvider : ILoggerProvider, ISupportExternalScope, IAsyncDisposable
{
    /// <summary>Name of the <see cref="Meter"/> publishing the provider's counters.</summary>
    public const string MeterName = "Sawmill.Logging";

    private readonly ConcurrentDictionary<string, SawmillPushLogger> _loggers = new(StringComparer.Ordinal);
    private readonly int[] _streamOfLevel = new int[7];
    private readonly Meter _meter;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private int _disposed;

    public SawmillPushLoggerProvider(IOptions<SawmillPushOptions> options)
        : this(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    public SawmillPushLoggerProvider(SawmillPushOptions options)
        : this(options, TimeProvider.System, null)
    {
    }

    internal SawmillPushLoggerProvider(SawmillPushOptions options, TimeProvider time, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        Time = time;
        Layout = JsonLogLayout.Create(options.Json);
        var streams = BuildStreams(options, _streamOfLevel, out var warningStream);
        Sender = new PushSender(options, streams, warningStream, time, handler);
        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("sawmill.logging.entries.enqueued", () => Statistics.Enqueued, "{entry}",
            "Log entries handed to the push provider");
        _meter.CreateObservableCounter("sawmill.logging.entries.sent", () => Statistics.Sent, "{entry}",
            "Log entries the server accepted");
        _meter.CreateObservableCounter("sawmill.logging.entries.dropped", () => Statistics.Dropped, "{entry}",
            "Log entries dropped because the push queue was full");
        _meter.CreateObservableCounter("sawmill.logging.entries.failed", () => Statistics.Failed, "{entry}",
            "Log entries in batches rejected by the server or given up after retries");
        _meter.CreateObservableCounter("sawmill.logging.push.retries", () => Statistics.Retries, "{retry}",
            "Push request retries");
        _meter.CreateObservableGauge("sawmill.logging.queue.length", () => Statistics.QueueLength, "{entry}",
            "Log entries waiting to be pushed");
    }

    internal PushSender Sender { get; }

    internal JsonLogLayout Layout { get; }

    internal TimeProvider Time { get; }

    internal IExternalScopeProvider ScopeProvider => _scopes;

    public PushStatistics Statistics => Sender.Statistics;

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, p) => new SawmillPushLogger(name, p), this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Sends what is queued now, without waiting for the batch timer.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Sender.FlushAsync(cancellationToken);

    internal int StreamOf(LogLevel level) => _streamOfLevel[(uint)level < 7 ? (int)level : 6];

    private static Labels[] BuildStreams(SawmillPushOptions options, int[] streamOfLevel, out int warningStream)
    {
        var builder = new LabelsBuilder();
        if (options.Labels.Count == 0)
        {
            var app = Assembly.GetEntryAssembly()?.GetName().Name ?? "dotnet";
            builder.Set("app", app.ToLowerInvariant());
        }
        foreach (var (name, value) in options.Labels)
        {
            if (!LabelName().IsMatch(name))
                throw new ArgumentException($"SawmillLogging:Push:Labels: invalid label name \"{name}\" (must match [a-zA-Z_][a-zA-Z0-9_]*)");
            if (name.StartsWith("__", StringComparison.Ordinal))
                throw new ArgumentException($"SawmillLogging:Push:Labels: label name \"{name}\" is reserved (starts with __)");
            if (string.IsNullOrEmpty(value))
                throw new ArgumentException($"SawmillLogging:Push:Labels: label \"{name}\" has an empty value");
            builder.Set(name, value);
        }
        if (!options.LevelLabel)
        {
            warningStream = 0;
            return [builder.Build()];
        }
        if (!LabelName().IsMatch(options.LevelLabelName) || options.LevelLabelName.StartsWith("__", StringComparison.Ordinal))
            throw new ArgumentException($"SawmillLogging:Push:LevelLabelName: invalid label name \"{options.LevelLabelName}\"");
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        var streams = new List<Labels>();
        for (var i = 0; i < 7; i++)
        {
            var levelName = options.Json.LevelNames.Get((LogLevel)i);
            if (!byName.TryGetValue(levelName, out var index))
            {
                index = streams.Count;
                byName.Add(levelName, index);
                streams.Add(builder.Set(options.LevelLabelName, levelName).Build());
            }
            streamOfLevel[i] = index;
        }
        warningStream = streamOfLevel[(int)LogLevel.Warning];
        return [.. streams];
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await Sender.DisposeAsync().ConfigureAwait(false);
        _meter.Dispose();
    }
}
