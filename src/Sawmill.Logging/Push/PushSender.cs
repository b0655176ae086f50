using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.Logging.Formatting;

namespace Sawmill.Logging.Push;

/// <summary>
/// The push provider's queue and its single background sender. Loggers call <see cref="Enqueue"/>, which never
/// blocks: the bounded channel drops per <see cref="QueueFullMode"/> when full and every drop is counted. The
/// sender task collects batches (by count, bytes or age), encodes and posts them, retrying connection errors,
/// 429 and 5xx with exponential backoff and jitter while the queue keeps absorbing new entries. Counters are
/// updated with Interlocked and may be read from any thread.
/// </summary>
internal sealed class PushSender : IAsyncDisposable
{
    internal const string SelfCategory = "Sawmill.Logging.Push";

    private readonly SawmillPushOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Uri _pushUri;
    private readonly Channel<PendingEntry> _channel;
    private readonly PushBatch _batch;
    private readonly int _warningStream;
    private readonly JsonLogLayout _selfLayout;
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _run;
    private TaskCompletionSource _kick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _flushRequested;
    private long _enqueued;
    private long _sent;
    private long _dropped;
    private long _failed;
    private long _batches;
    private long _retries;
    private long _reportedDrops;
    private DateTimeOffset _lastDropReport = DateTimeOffset.MinValue;
    private long _lastNs;

    public PushSender(SawmillPushOptions options, Labels[] streams, int warningStream, TimeProvider time,
        HttpMessageHandler? handler)
    {
        _options = options;
        _time = time;
        _pushUri = PushUri(options.Url);
        _batch = new PushBatch(streams);
        _warningStream = warningStream;
        _selfLayout = JsonLogLayout.Create(options.Json);
        _http = handler != null
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        _http.Timeout = Timeout.InfiniteTimeSpan; // per request, below
        if (!string.IsNullOrEmpty(options.Username))
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
        if (!string.IsNullOrEmpty(options.TenantId))
            _http.DefaultRequestHeaders.Add("X-Scope-OrgID", options.TenantId);
        foreach (var (k, v) in options.Headers)
            _http.DefaultRequestHeaders.TryAddWithoutValidation(k, v);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Sawmill.Logging/" + typeof(PushSender).Assembly.GetName().Version);

        _channel = Channel.CreateBounded<PendingEntry>(
            new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
            {
                FullMode = options.QueueFullMode == QueueFullMode.DropNewest
                    ? BoundedChannelFullMode.DropWrite
                    : BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            _ => Interlocked.Increment(ref _dropped));
        _run = Task.Run(RunAsync);
    }

    public Uri PushUriForTests => _pushUri;

    public PushStatistics Statistics => new(
        Interlocked.Read(ref _enqueued), Interlocked.Read(ref _sent), Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _failed), Interlocked.Read(ref _batches), Interlocked.Read(ref _retries),
        _channel.Reader.Count);

    /// <summary>
    /// A timestamp for a new entry: the clock in Unix nanoseconds, bumped to stay strictly increasing so that two
    /// identical lines logged in the same clock tick are not taken for duplicates by the server.
    /// </summary>
    public long NextTimestampNs(DateTimeOffset now)
    {
        var ns = (now.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
        while (true)
        {
            var last = Volatile.Read(ref _lastNs);
            var next = ns > last ? ns : last + 1;
            if (Interlocked.CompareExchange(ref _lastNs, next, last) == last)
                return next;
        }
    }

    /// <summary>Queues an entry; never blocks. After shutdown the entry is counted as dropped.</summary>
    public void Enqueue(in PendingEntry entry)
    {
        Interlocked.Increment(ref _enqueued);
        if (!_channel.Writer.TryWrite(entry))
            Interlocked.Increment(ref _dropped);
    }

    /// <summary>
    /// Sends everything queued so far without waiting for the batch timer, and returns when it has been sent,
    /// dropped or given up on.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _enqueued);
        _flushRequested = true;
        Kick();
        while (true)
        {
            var s = Statistics;
            if (s.Sent + s.Dropped + s.Failed >= target || _run.IsCompleted)
                return;
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Kick() => Interlocked.Exchange(ref _kick, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        Task<bool>? waitForData = null;
        var batchStarted = 0L;
        while (true)
        {
            while (_batch.Count < _options.BatchSize && _batch.Bytes < _options.BatchBytes && reader.TryRead(out var e))
            {
                if (_batch.Count == 0)
                    batchStarted = _time.GetTimestamp();
                _batch.Add(e);
            }
            AddDropReport();
            var completed = reader.Completion.IsCompleted;
            var age = _batch.Count == 0 ? TimeSpan.Zero : _time.GetElapsedTime(batchStarted);
            var full = _batch.Count >= _options.BatchSize || _batch.Bytes >= _options.BatchBytes;
            if (_batch.Count > 0 && (full || completed || _flushRequested || age >= _options.BatchWait))
            {
                await SendAsync().ConfigureAwait(false);
                _batch.Clear();
                continue;
            }
            if (_flushRequested && reader.Count == 0)
                _flushRequested = false;
            if (completed)
                return;

            waitForData ??= reader.WaitToReadAsync().AsTask();
            var kick = Volatile.Read(ref _kick).Task;
            if (_batch.Count == 0)
                await Task.WhenAny(waitForData, kick).ConfigureAwait(false);
            else
                await Task.WhenAny(waitForData, kick, Task.Delay(_options.BatchWait - age, _time)).ConfigureAwait(false);
            if (waitForData.IsCompleted)
                waitForData = null;
        }
    }

    /// <summary>The periodic self-log: pushed with the batch (bypassing the full queue) and written to stderr.</summary>
    private void AddDropReport()
    {
        var dropped = Interlocked.Read(ref _dropped);
        if (dropped <= _reportedDrops)
            return;
        var now = _time.GetUtcNow();
        if (now - _lastDropReport < _options.DropReportInterval)
            return;
        var fields = new LogFields(4)
        {
            ["dropped"] = dropped - _reportedDrops,
            ["dropped_total"] = dropped,
            ["queue_capacity"] = _options.QueueCapacity,
            ["queue_full_mode"] = _options.QueueFullMode.ToString(),
        };
        fields.Message = "Log entries dropped";
        _reportedDrops = dropped;
        _lastDropReport = now;
        var line = FormatSelfLog(LogLevel.Warning, fields, now);
        _batch.AddSelf(new PendingEntry(NextTimestampNs(now), line, _warningStream));
        if (_options.SelfLogToStderr)
            Console.Error.WriteLine(Encoding.UTF8.GetString(line));
    }

    private byte[] FormatSelfLog(LogLevel level, LogFields fields, DateTimeOffset now)
    {
        var buffer = JsonLogBuffer.Rent();
        try
        {
            JsonLogEventWriter.Write(buffer, _selfLayout, now, level, SelfCategory, default, fields, null,
                LogFields.Formatter, null);
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.Return();
        }
    }

    private void SelfLog(LogLevel level, string message, LogFields fields)
    {
        if (!_options.SelfLogToStderr)
            return;
        fields.Message = message;
        Console.Error.WriteLine(Encoding.UTF8.GetString(FormatSelfLog(level, fields, _time.GetUtcNow())));
    }

    private async Task SendAsync()
    {
        var count = _batch.Count - _batch.SelfCount;
        for (var attempt = 0; ; attempt++)
        {
            string problem;
            try
            {
                using var content = _batch.Encode(_options.Protocol, _options.Gzip);
                using var request = new HttpRequestMessage(HttpMethod.Post, _pushUri) { Content = content };
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                timeout.CancelAfter(_options.Timeout);
                using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref _sent, count);
                    Interlocked.Increment(ref _batches);
                    return;
                }
                var body = await ReadSnippetAsync(response).ConfigureAwait(false);
                problem = $"{(int)response.StatusCode} {body}";
                if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                {
                    Interlocked.Add(ref _failed, count);
                    SelfLog(LogLevel.Error, "Push rejected", new LogFields(3)
                    {
                        ["entries"] = count, ["status_code"] = (int)response.StatusCode, ["error_message"] = body,
                    });
                    return;
                }
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                problem = e.GetType().Name + ": " + e.Message;
            }

            if (attempt >= _options.MaxRetries)
            {
                Interlocked.Add(ref _failed, count);
                SelfLog(LogLevel.Error, "Push failed, batch given up", new LogFields(3)
                {
                    ["entries"] = count, ["attempts"] = attempt + 1, ["error_message"] = problem,
                });
                return;
            }
            Interlocked.Increment(ref _retries);
            try
            {
                await Task.Delay(Backoff(attempt), _time, _abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        // Shutdown's flush deadline passed while this batch was still being retried.
        Interlocked.Add(ref _failed, count);
        SelfLog(LogLevel.Error, "Push abandoned at shutdown", new LogFields(1) { ["entries"] = count });
    }

    /// <summary>Exponential backoff from MinBackoff doubling to MaxBackoff, with ±25 % jitter so clients do not retry in step.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var min = Math.Max(1, _options.MinBackoff.TotalMilliseconds);
        var max = Math.Max(min, _options.MaxBackoff.TotalMilliseconds);
        var ms = Math.Min(max, min * Math.Pow(2, Math.Min(attempt, 30)));
        ms *= 0.75 + Random.Shared.NextDouble() * 0.5;
        return TimeSpan.FromMilliseconds(Math.Min(ms, max));
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response)
    {
        try
        {
            var s = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            s = s.Trim();
            return s.Length > 512 ? s[..512] : s;
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    internal static Uri PushUri(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw new ArgumentException("SawmillLogging:Push:Url is required (for example http://localhost:3100)");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"SawmillLogging:Push:Url \"{url}\" is not an absolute http(s) URL");
        if (uri.AbsolutePath.TrimEnd('/').EndsWith("/push", StringComparison.Ordinal))
            return uri;
        return new Uri(uri, uri.AbsolutePath.TrimEnd('/') + "/loki/api/v1/push");
    }

    /// <summary>
    /// Stops accepting entries and sends what is queued, for at most FlushTimeout; then abandons retries.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        Kick();
        try
        {
            await _run.WaitAsync(_options.FlushTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
        // Entries still queued after an abandoned flush are lost: count them so the totals add up.
        while (_channel.Reader.TryRead(out _))
            Interlocked.Increment(ref _failed);
        _http.Dispose();
        _abort.Dispose();
    }
}
