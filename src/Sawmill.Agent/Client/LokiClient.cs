using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sawmill.Agent.Config;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Stages;
using Sawmill.Core;

namespace Sawmill.Agent.Client;

/// <summary>
/// Pushes entries to one Loki-compatible endpoint. A batching loop groups entries per tenant and sends a batch when
/// it reaches <c>batchsize</c> bytes or <c>batchwait</c> age; a sender sends batches one at a time, oldest first.
/// 429 and 5xx answers and transport errors are retried with exponential backoff and jitter, without end; other 4xx
/// answers drop the batch (counted in <c>promtail_dropped_entries_total</c> by reason, and logged). While the server
/// fails a batch, that batch and the ones queued behind it move to the <see cref="SpillBuffer"/> on disk, and new
/// batches follow them there until the buffer is drained, in order: an outage costs disk, not memory, and does not
/// block the readers.
/// Positions advance when a batch is acknowledged, dropped, or durably spilled, and are saved right away, so a
/// crash re-sends at most the batch in flight.
/// </summary>
public sealed class LokiClient : IEntrySink, IAsyncDisposable
{
    private const int MemoryBatches = 4;
    private readonly ClientConfig _config;
    private readonly HttpClient _http;
    private readonly AgentMetrics _metrics;
    private readonly PositionsFile? _positions;
    private readonly SpillBuffer _spill;
    private readonly ILogger _logger;
    private readonly Channel<PipelineEntry> _input;
    private readonly Channel<Batch> _ready = Channel.CreateBounded<Batch>(new BoundedChannelOptions(MemoryBatches) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _abortSending = new();
    private readonly object _shipLock = new();
    private readonly Dictionary<string, string> _hostLabel;
    private readonly Labels _external;
    private readonly Task _batcher;
    private readonly Task _sender;
    private volatile bool _failing;

    public LokiClient(ClientConfig config, AgentMetrics metrics, PositionsFile? positions, string spillDirectory, ILogger logger, int inputCapacity = 8192)
    {
        _config = config;
        _metrics = metrics;
        _positions = positions;
        _logger = logger;
        _spill = new SpillBuffer(spillDirectory, logger);
        _input = Channel.CreateBounded<PipelineEntry>(new BoundedChannelOptions(inputCapacity) { SingleReader = true });
        _hostLabel = new Dictionary<string, string> { ["host"] = config.Url.Authority };
        _external = Labels.From(config.ExternalLabels.Select(kv => new Label(kv.Key, kv.Value)));
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("sawmill-agent/0.1");
        if (config.BasicAuthUser != null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(config.BasicAuthUser + ":" + config.BasicAuthPassword)));
        else if (config.BearerToken != null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.BearerToken);
        foreach (var (k, v) in config.Headers)
            _http.DefaultRequestHeaders.TryAddWithoutValidation(k, v);
        if (_spill.Count > 0)
            _logger.LogInformation("{Count} spilled batches for {Url} will be sent first", _spill.Count, config.Url);
        _metrics.SpillPending.Set(_hostLabel, _spill.Count);
        _batcher = Task.Run(BatchLoopAsync);
        _sender = Task.Run(SendLoopAsync);
    }

    public ClientConfig Config => _config;

    public int SpilledBatches => _spill.Count;

    public ValueTask WriteAsync(PipelineEntry entry, CancellationToken cancellationToken) => _input.Writer.WriteAsync(entry, cancellationToken);

    /// <summary>
    /// Flushes: sends what is batched and queued; whatever cannot be sent within <paramref name="timeout"/> (server
    /// down) is written to the spill buffer so nothing read is lost.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        _input.Writer.TryComplete();
        await _batcher;
        _abortSending.CancelAfter(timeout);
        await _sender;
        // Batches the sender could not deliver in time: keep them on disk.
        while (_ready.Reader.TryRead(out var b))
            SpillBatch(b);
        _positions?.SaveIfDirty();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_batcher.IsCompleted || !_sender.IsCompleted)
            await StopAsync(TimeSpan.Zero);
        _http.Dispose();
        _abortSending.Dispose();
    }

    private async Task BatchLoopAsync()
    {
        var batches = new Dictionary<string, Batch>(StringComparer.Ordinal);
        var reader = _input.Reader;
        var wait = _config.BatchWait;
        while (true)
        {
            // Wait for the next entry, but no longer than until the oldest batch is due.
            var hasEntry = reader.TryPeek(out _);
            if (!hasEntry)
            {
                var due = TimeSpan.MaxValue;
                foreach (var b in batches.Values)
                {
                    var left = wait - TimeSpan.FromMilliseconds(Environment.TickCount64 - b.CreatedTicks);
                    if (left < due)
                        due = left;
                }
                if (due <= TimeSpan.Zero)
                {
                    await ShipDueAsync(batches, force: false);
                    continue;
                }
                using var cts = due == TimeSpan.MaxValue ? new CancellationTokenSource() : new CancellationTokenSource(due);
                try
                {
                    if (!await reader.WaitToReadAsync(cts.Token))
                        break;
                }
                catch (OperationCanceledException)
                {
                    await ShipDueAsync(batches, force: false);
                    continue;
                }
            }
            while (reader.TryRead(out var entry))
            {
                Add(batches, entry);
                if (batches.Count > 0)
                {
                    foreach (var (tenant, b) in batches)
                    {
                        if (b.Bytes >= _config.BatchSize)
                        {
                            batches.Remove(tenant);
                            await ShipAsync(b);
                            break;
                        }
                    }
                }
            }
            await ShipDueAsync(batches, force: false);
        }
        await ShipDueAsync(batches, force: true);
        _ready.Writer.TryComplete();
    }

    private void Add(Dictionary<string, Batch> batches, PipelineEntry entry)
    {
        entry.Labels.Remove(TenantStage.TenantLabel, out var tenant);
        tenant ??= _config.TenantId ?? "";
        var builder = new LabelsBuilder(_external);
        foreach (var (k, v) in entry.Labels)
            if (!k.StartsWith("__", StringComparison.Ordinal) && v.Length > 0)
                builder.Set(k, v);
        if (builder.Count == 0)
        {
            _logger.LogWarning("dropping an entry with no labels (Loki requires at least one label per stream)");
            _metrics.DroppedLines("no_labels");
            entry.Complete();
            return;
        }
        var labels = builder.Build();
        if (!batches.TryGetValue(tenant, out var batch))
            batches[tenant] = batch = new Batch(tenant);
        batch.Add(labels, entry);
    }

    private async Task ShipDueAsync(Dictionary<string, Batch> batches, bool force)
    {
        foreach (var (tenant, b) in batches.ToList())
        {
            if (force || Environment.TickCount64 - b.CreatedTicks >= (long)_config.BatchWait.TotalMilliseconds)
            {
                batches.Remove(tenant);
                await ShipAsync(b);
            }
        }
    }

    private async Task ShipAsync(Batch batch)
    {
        if (batch.EntryCount == 0)
            return;
        while (true)
        {
            lock (_shipLock)
            {
                // Once anything is spilled, later batches follow it to disk so the order of delivery is kept.
                if (_spill.Count > 0 || _abortSending.IsCancellationRequested)
                {
                    SpillBatch(batch);
                    return;
                }
                if (_ready.Writer.TryWrite(batch))
                    return;
            }
            var waitTask = _ready.Writer.WaitToWriteAsync().AsTask();
            await Task.WhenAny(waitTask, Task.Delay(100));
        }
    }

    /// <summary>
    /// The server failed a batch from memory: put it and everything queued behind it on disk, in order, so that all
    /// data in transit is durable and the positions can move past it; sending resumes from the spill buffer.
    /// </summary>
    private void FailOver(Batch inFlight)
    {
        lock (_shipLock)
        {
            SpillBatch(inFlight);
            while (_ready.Reader.TryRead(out var queued))
                SpillBatch(queued);
        }
    }

    private void SpillBatch(Batch batch)
    {
        try
        {
            _spill.Write(batch.Tenant, batch.EntryCount, batch.Encode());
        }
        catch (IOException e)
        {
            // Without disk there is nowhere durable to put it; keep the positions behind so the lines are re-read later.
            _logger.LogError("cannot write the spill buffer: {Message}; {Entries} entries stay unacknowledged and will be re-read after a restart", e.Message, batch.EntryCount);
            return;
        }
        _metrics.SpilledBatches.Add(_hostLabel, 1);
        _metrics.SpillPending.Set(_hostLabel, _spill.Count);
        batch.Complete();
        _positions?.SaveIfDirty();
    }

    private async Task SendLoopAsync()
    {
        var abort = _abortSending.Token;
        while (!abort.IsCancellationRequested)
        {
            if (_ready.Reader.TryRead(out var batch))
            {
                var outcome = await SendWithRetryAsync(batch.Tenant, batch.Encode(), batch.EntryCount, batch.Bytes, abort, failFast: true);
                if (outcome is Outcome.Aborted or Outcome.Failed)
                {
                    FailOver(batch);
                    continue;
                }
                batch.Complete();
                _positions?.SaveIfDirty();
                continue;
            }
            if (_spill.Peek() is { } spilled)
            {
                var outcome = await SendWithRetryAsync(spilled.Tenant, spilled.Payload, spilled.Entries, spilled.Payload.Length, abort, failFast: false);
                if (outcome == Outcome.Aborted)
                    break;
                _spill.Remove(spilled.Seq);
                _metrics.SpillPending.Set(_hostLabel, _spill.Count);
                continue;
            }
            if (_ready.Reader.Completion.IsCompleted)
                break;
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(abort);
            poll.CancelAfter(200);
            try
            {
                await _ready.Reader.WaitToReadAsync(poll.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private enum Outcome
    {
        Sent,
        Dropped,
        Aborted,
        /// <summary>A retriable failure with failFast: the caller moves the batch to disk.</summary>
        Failed,
    }

    private async Task<Outcome> SendWithRetryAsync(string tenant, byte[] payload, int entries, long bytes, CancellationToken abort, bool failFast)
    {
        var backoff = _config.Backoff.Min;
        for (var attempt = 0; ; attempt++)
        {
            int status;
            string detail;
            var sw = Stopwatch.StartNew();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _config.Url);
                request.Content = new ByteArrayContent(payload);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                if (tenant.Length > 0)
                    request.Headers.Add("X-Scope-OrgID", tenant);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
                timeout.CancelAfter(_config.Timeout);
                using var response = await _http.SendAsync(request, timeout.Token);
                status = (int)response.StatusCode;
                detail = status / 100 == 2 ? "" : (await response.Content.ReadAsStringAsync(CancellationToken.None)).Trim();
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                if (abort.IsCancellationRequested)
                    return Outcome.Aborted;
                status = -1;
                detail = e.Message;
            }
            _metrics.RequestDuration.Observe(new Dictionary<string, string> { ["host"] = _config.Url.Authority, ["status_code"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) }, sw.Elapsed.TotalSeconds);
            if (status / 100 == 2)
            {
                if (_failing)
                    _logger.LogInformation("{Url} accepts pushes again", _config.Url);
                _failing = false;
                _metrics.SentEntries.Add(_hostLabel, entries);
                _metrics.SentBytes.Add(_hostLabel, bytes);
                return Outcome.Sent;
            }
            var retriable = status == -1 || status == (int)HttpStatusCode.TooManyRequests || status / 100 == 5;
            if (status == 429 && _config.DropRateLimitedBatches)
                retriable = false;
            if (!retriable)
            {
                var reason = status == 429 ? "rate_limited" : status is 400 && detail.Contains("stream limit", StringComparison.OrdinalIgnoreCase) ? "stream_limited" : "ingester_error";
                _logger.LogError("server rejected a batch of {Entries} entries with {Status}, dropping it (not retried): {Detail}", entries, status, detail);
                var labels = new Dictionary<string, string> { ["host"] = _config.Url.Authority, ["reason"] = reason, ["tenant"] = tenant };
                _metrics.DroppedEntries.Add(labels, entries);
                _metrics.DroppedBytes.Add(labels, bytes);
                return Outcome.Dropped;
            }
            if (!_failing)
                _logger.LogWarning("push to {Url} failed ({Status}: {Detail}); retrying with backoff, batches beyond memory go to the spill buffer",
                    _config.Url, status == -1 ? "no response" : status.ToString(System.Globalization.CultureInfo.InvariantCulture), detail);
            _failing = true;
            _metrics.BatchRetries.Add(new Dictionary<string, string> { ["host"] = _config.Url.Authority, ["tenant"] = tenant }, 1);
            if (failFast)
                return Outcome.Failed;
            // Full jitter in [backoff/2, backoff], doubling up to max_period.
            var delay = TimeSpan.FromMilliseconds(backoff.TotalMilliseconds * (0.5 + Random.Shared.NextDouble() / 2));
            try
            {
                await Task.Delay(delay, abort);
            }
            catch (OperationCanceledException)
            {
                return Outcome.Aborted;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _config.Backoff.Max.Ticks));
        }
    }
}
