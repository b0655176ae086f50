using System.Buffers.Binary;
using System.IO.Hashing;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Sawmill.Ruler;

/// <summary>
/// A durable queue of recording-rule samples for one remote-write client. Every evaluation's samples are appended
/// as a frame (<c>u32 length, u32 CRC-32, WriteRequest bytes</c>) to <c>queue.bin</c> and flushed to disk before the
/// evaluation counts as done; a sender reads frames from the offset stored in <c>offset</c>, batches them (concatenated
/// WriteRequests), snappy-compresses and POSTs them, and advances the offset only after a 2xx. 5xx and network errors
/// are retried with exponential backoff forever, so a Prometheus restart loses nothing; 4xx (Prometheus rejecting
/// out-of-order or malformed samples) drops the batch, as Prometheus's own remote write does. A torn tail frame
/// (crash mid-append) is detected by length/CRC and discarded. When everything is sent the file is truncated.
/// </summary>
public sealed class RemoteWriteQueue : IAsyncDisposable
{
    private readonly RemoteWriteClientConfig _config;
    private readonly ILogger _logger;
    private readonly string _queuePath;
    private readonly string _offsetPath;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly FileStream _file;
    private readonly Task _loop;
    private long _offset;

    public RemoteWriteQueue(RemoteWriteClientConfig config, string directory, ILogger logger)
    {
        _config = config;
        _logger = logger;
        Directory.CreateDirectory(directory);
        _queuePath = Path.Combine(directory, "queue.bin");
        _offsetPath = Path.Combine(directory, "offset");
        _file = new FileStream(_queuePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _offset = File.Exists(_offsetPath) && long.TryParse(File.ReadAllText(_offsetPath), out var o) ? Math.Clamp(o, 0, _file.Length) : 0;
        TruncateTornTail();
        _file.Seek(0, SeekOrigin.End);
        _http = new HttpClient { Timeout = config.RemoteTimeout };
        _loop = Task.Run(RunAsync);
    }

    public string Name => _config.Name;

    /// <summary>Bytes appended but not yet acknowledged by the receiver.</summary>
    public long PendingBytes
    {
        get
        {
            lock (_lock)
                return _file.Length - _offset;
        }
    }

    /// <summary>Appends one WriteRequest durably; returns once it is on disk.</summary>
    public void Append(byte[] writeRequest)
    {
        if (writeRequest.Length == 0)
            return;
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)writeRequest.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), Crc32.HashToUInt32(writeRequest));
        lock (_lock)
        {
            if (_file.Length - _offset > _config.MaxQueueBytes)
            {
                _logger.LogWarning("remote write queue full; dropping unsent samples client={Client} bytes={Bytes}", Name, _file.Length - _offset);
                RulerMetrics.RemoteWriteDropped.WithLabels(Name).Inc();
                _offset = _file.Length;
                SaveOffset();
            }
            _file.Seek(0, SeekOrigin.End);
            _file.Write(header);
            _file.Write(writeRequest);
            _file.Flush(flushToDisk: true);
            RulerMetrics.RemoteWritePendingBytes.WithLabels(Name).Set(_file.Length - _offset);
        }
        _signal.Release();
    }

    private void TruncateTornTail()
    {
        var pos = _offset;
        var header = new byte[8];
        while (pos + 8 <= _file.Length)
        {
            _file.Seek(pos, SeekOrigin.Begin);
            _file.ReadExactly(header);
            var len = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (pos + 8 + len > _file.Length)
                break;
            var body = new byte[len];
            _file.ReadExactly(body);
            if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)))
                break;
            pos += 8 + len;
        }
        if (pos < _file.Length)
        {
            _logger.LogWarning("remote write queue had a torn tail; truncating client={Client} at={Pos}", Name, pos);
            _file.SetLength(pos);
        }
    }

    /// <summary>Reads frames from the offset up to about 1 MiB or MaxSamplesPerSend series; returns the end offset.</summary>
    private (byte[] Batch, long End) ReadBatch()
    {
        lock (_lock)
        {
            var pos = _offset;
            using var ms = new MemoryStream();
            var header = new byte[8];
            while (pos + 8 <= _file.Length && ms.Length < 1 << 20)
            {
                _file.Seek(pos, SeekOrigin.Begin);
                _file.ReadExactly(header);
                var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(header);
                if (pos + 8 + len > _file.Length)
                    break;
                var body = new byte[len];
                _file.ReadExactly(body);
                ms.Write(body);
                pos += 8 + len;
            }
            _file.Seek(0, SeekOrigin.End);
            return (ms.ToArray(), pos);
        }
    }

    private void Commit(long end)
    {
        lock (_lock)
        {
            _offset = end;
            if (_offset == _file.Length)
            {
                _file.SetLength(0);
                _offset = 0;
            }
            SaveOffset();
            RulerMetrics.RemoteWritePendingBytes.WithLabels(Name).Set(_file.Length - _offset);
        }
    }

    private void SaveOffset()
    {
        var tmp = _offsetPath + ".tmp";
        File.WriteAllText(tmp, _offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(tmp, _offsetPath, overwrite: true);
    }

    private async Task RunAsync()
    {
        var backoff = _config.MinBackoff;
        while (!_stop.IsCancellationRequested)
        {
            var (batch, end) = ReadBatch();
            if (batch.Length == 0)
            {
                try
                {
                    await _signal.WaitAsync(TimeSpan.FromSeconds(5), _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            var outcome = await SendAsync(batch);
            if (outcome == SendOutcome.Retry)
            {
                try
                {
                    await Task.Delay(backoff, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _config.MaxBackoff.Ticks));
                continue;
            }
            backoff = _config.MinBackoff;
            Commit(end);
        }
    }

    private enum SendOutcome { Sent, Dropped, Retry }

    private async Task<SendOutcome> SendAsync(byte[] batch)
    {
        var count = RemoteWriteEncoder.Decode(batch).Sum(s => s.Samples.Count);
        try
        {
            using var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(batch));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            content.Headers.ContentEncoding.Add("snappy");
            using var req = new HttpRequestMessage(HttpMethod.Post, _config.Url) { Content = content };
            req.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
            req.Headers.UserAgent.ParseAdd("Sawmill-ruler/1.0");
            foreach (var (k, v) in _config.Headers)
                req.Headers.TryAddWithoutValidation(k, v);
            using var r = await _http.SendAsync(req, _stop.Token);
            if (r.IsSuccessStatusCode)
            {
                RulerMetrics.RemoteWriteSamples.WithLabels(Name).Inc(count);
                return SendOutcome.Sent;
            }
            var text = (await r.Content.ReadAsStringAsync(_stop.Token)).Trim();
            RulerMetrics.RemoteWriteFailures.WithLabels(Name).Inc();
            if ((int)r.StatusCode is >= 400 and < 500 and not 429)
            {
                _logger.LogWarning("remote write rejected samples; dropping client={Client} status={Status} samples={Count} body={Body}", Name, (int)r.StatusCode, count, text);
                RulerMetrics.RemoteWriteDropped.WithLabels(Name).Inc(count);
                return SendOutcome.Dropped;
            }
            _logger.LogWarning("remote write failed; will retry client={Client} status={Status} body={Body}", Name, (int)r.StatusCode, text);
            return SendOutcome.Retry;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !_stop.IsCancellationRequested)
        {
            RulerMetrics.RemoteWriteFailures.WithLabels(Name).Inc();
            _logger.LogWarning("remote write failed; will retry client={Client} err={Error}", Name, e.Message);
            return SendOutcome.Retry;
        }
        catch (OperationCanceledException)
        {
            return SendOutcome.Retry;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        lock (_lock)
            _file.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
