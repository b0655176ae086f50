using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging;
using Sawmill.Agent.Client;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Stages;
using Sawmill.Core;

namespace Sawmill.Agent.Tailing;

/// <summary>
/// Follows one path. Starts at the saved position (0 for a file never seen, or when the file is now shorter than the
/// saved offset). Rotation by rename-and-create is noticed when the path names a different inode: the old file is read
/// to its end first, then the new one from 0. Copytruncate rotation is noticed when the open file shrinks below the
/// read offset: reading restarts at 0. A path that vanishes is waited for. <c>.gz</c> files are read once, decompressed.
/// Each line runs through the pipeline on this tailer's task; the results go to the sink, whose back-pressure pauses
/// reading. Positions advance only through <see cref="PositionTracker"/> as lines are acknowledged.
/// </summary>
public sealed class FileTailer
{
    private readonly PositionsFile _positions;
    private readonly Pipeline _pipeline;
    private readonly IEntrySink _sink;
    private readonly AgentMetrics _metrics;
    private readonly TailerOptions _options;
    private readonly ILogger _logger;
    private readonly List<PipelineEntry> _out = [];
    private readonly Action<PipelineEntry> _collect;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string> _metricLabels;
    private volatile Dictionary<string, string> _labels;
    private PositionTracker _tracker;
    private Task? _task;
    private volatile bool _drain;

    public FileTailer(string path, Dictionary<string, string> labels, Pipeline pipeline, IEntrySink sink, PositionsFile positions,
        AgentMetrics metrics, TailerOptions options, ILogger logger)
    {
        Path = path;
        _labels = labels;
        _pipeline = pipeline;
        _sink = sink;
        _positions = positions;
        _metrics = metrics;
        _options = options;
        _logger = logger;
        _collect = _out.Add;
        _tracker = new PositionTracker(positions, path);
        _metricLabels = new Dictionary<string, string> { ["path"] = path };
    }

    public string Path { get; }

    /// <summary>Labels applied to lines read from now on (targets can be relabelled while running).</summary>
    public Dictionary<string, string> Labels
    {
        get => _labels;
        set => _labels = value;
    }

    /// <summary>True once the path has been missing at the last check.</summary>
    public bool PathMissing { get; private set; }

    public void Start(CancellationToken shutdown)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(shutdown, _stop.Token);
        _task = Task.Run(() => RunAsync(linked.Token));
    }

    /// <summary>
    /// Stops reading and flushes the pipeline. With <paramref name="drain"/> (the target went away, e.g. its pod was
    /// deleted) everything up to the file's current end is read first; without it (shutdown) reading stops after the
    /// current buffer, and the saved position resumes the rest next time.
    /// </summary>
    public Task StopAsync(bool drain = false)
    {
        _drain = drain;
        _stop.Cancel();
        return _task ?? Task.CompletedTask;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        _metrics.FilesActive.Add(null, 1);
        try
        {
            if (Path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                await ReadCompressedAsync(stop);
            else
                await FollowAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "tailer for {Path} failed", Path);
        }
        finally
        {
            _metrics.FilesActive.Add(null, -1);
        }
    }

    private async Task FollowAsync(CancellationToken stop)
    {
        FileStream? fs = null;
        long inode = 0;
        long offset = 0;
        var carry = new MemoryStream();
        var buffer = new byte[_options.ReadBufferSize];
        try
        {
            while (fs == null)
            {
                fs = TryOpen(out inode);
                if (fs == null)
                {
                    PathMissing = true;
                    if (stop.IsCancellationRequested)
                        return;
                    await Delay(stop);
                }
            }
            PathMissing = false;
            offset = _positions.Get(Path);
            if (offset > fs.Length)
            {
                _logger.LogInformation("{Path} is shorter than its saved position {Offset}; reading from the start", Path, offset);
                offset = 0;
            }
            fs.Seek(offset, SeekOrigin.Begin);
            _logger.LogInformation("tailing {Path} from offset {Offset}", Path, offset);
            while (true)
            {
                var n = fs.Read(buffer, 0, buffer.Length);
                if (n > 0)
                {
                    offset = Split(buffer.AsSpan(0, n), offset, carry);
                    await DeliverAsync(stop);
                    if (!stop.IsCancellationRequested || _drain)
                        continue;
                }
                _pipeline.Tick(TimeNs.Now(), _collect);
                await DeliverAsync(CancellationToken.None);
                if (stop.IsCancellationRequested)
                {
                    _pipeline.Flush(_collect);
                    await DeliverAsync(CancellationToken.None);
                    return;
                }
                var pathInode = FileIdentity.InodeOf(Path);
                var rotated = pathInode == -1 || (pathInode != 0 && inode != 0 && pathInode != inode);
                if (rotated)
                {
                    // The writer keeps appending to the renamed file until it reopens its log (logrotate's postrotate
                    // signal comes after the rename): finish the old file only once the new one exists and the old
                    // one has been quiet for a poll interval (or after RotationGrace), so those late lines are read.
                    offset = await DrainRotatedAsync(fs, buffer, offset, carry, stop);
                    if (carry.Length > 0)
                        offset = EmitCarry(carry, offset);
                    _pipeline.Flush(_collect);
                    await DeliverAsync(CancellationToken.None);
                    fs.Dispose();
                    fs = null;
                    _tracker.Retire();
                    _tracker = new PositionTracker(_positions, Path);
                    _logger.LogInformation("{Path} was rotated ({Reason}); following the new file", Path, pathInode == -1 ? "removed" : "new inode");
                    while (fs == null)
                    {
                        fs = TryOpen(out inode);
                        if (fs != null)
                            break;
                        PathMissing = true;
                        if (stop.IsCancellationRequested)
                            return;
                        await Delay(stop);
                    }
                    PathMissing = false;
                    offset = 0;
                    _positions.Set(Path, 0);
                    continue;
                }
                if (fs.Length < offset)
                {
                    _logger.LogInformation("{Path} was truncated (copytruncate rotation); reading from the start", Path);
                    carry.SetLength(0);
                    _tracker.Retire();
                    _tracker = new PositionTracker(_positions, Path);
                    _positions.Set(Path, 0);
                    offset = 0;
                    fs.Seek(0, SeekOrigin.Begin);
                    continue;
                }
                await Delay(stop);
            }
        }
        finally
        {
            fs?.Dispose();
        }
    }

    /// <summary>
    /// Reads the rotated-away file <paramref name="fs"/> until the path names a file again and the old file did not
    /// grow during the last poll interval, or the new file has existed for <see cref="TailerOptions.RotationGrace"/>
    /// (a writer that never reopens must not hold the new file back forever), or shutdown. Returns the new offset.
    /// </summary>
    private async Task<long> DrainRotatedAsync(FileStream fs, byte[] buffer, long offset, MemoryStream carry, CancellationToken stop)
    {
        long newFileSince = -1;
        while (true)
        {
            var grew = false;
            int n;
            while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
            {
                offset = Split(buffer.AsSpan(0, n), offset, carry);
                grew = true;
                await DeliverAsync(CancellationToken.None);
            }
            if (stop.IsCancellationRequested)
                return offset;
            if (FileIdentity.InodeOf(Path) != -1)
            {
                if (newFileSince < 0)
                    newFileSince = Environment.TickCount64;
                else if (!grew || Environment.TickCount64 - newFileSince >= (long)_options.RotationGrace.TotalMilliseconds)
                    return offset;
            }
            await Delay(stop);
        }
    }

    private async Task ReadCompressedAsync(CancellationToken stop)
    {
        var done = _positions.Get(Path);
        long offset = 0;
        var carry = new MemoryStream();
        var buffer = new byte[_options.ReadBufferSize];
        await using (var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        await using (var gz = new GZipStream(fs, CompressionMode.Decompress))
        {
            int n;
            while ((n = await gz.ReadAsync(buffer, stop)) > 0)
            {
                var span = buffer.AsSpan(0, n);
                if (offset + n <= done)
                {
                    offset += n;
                    continue;
                }
                if (offset < done)
                {
                    span = span[(int)(done - offset)..];
                    offset = done;
                }
                offset = Split(span, offset, carry);
                await DeliverAsync(stop);
            }
        }
        if (carry.Length > 0)
            EmitCarry(carry, offset);
        _pipeline.Flush(_collect);
        await DeliverAsync(CancellationToken.None);
        if (offset <= done)
            _tracker.SetDirect(Math.Max(done, offset));
        // A compressed file does not grow: wait for shutdown so the manager does not restart it.
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private FileStream? TryOpen(out long inode)
    {
        inode = 0;
        try
        {
            var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            inode = FileIdentity.InodeOf(fs.SafeFileHandle);
            return fs;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            _logger.LogWarning("cannot open {Path}: {Message}", Path, e.Message);
            return null;
        }
    }

    /// <summary>Splits <paramref name="data"/> (which starts at file offset <paramref name="offset"/>) into lines.</summary>
    private long Split(ReadOnlySpan<byte> data, long offset, MemoryStream carry)
    {
        _metrics.ReadBytes.Add(_metricLabels, data.Length);
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            if (nl < 0)
            {
                carry.Write(data);
                return offset + data.Length;
            }
            offset += nl + 1;
            if (carry.Length > 0)
            {
                carry.Write(data[..nl]);
                Emit(carry.GetBuffer().AsSpan(0, (int)carry.Length), offset);
                carry.SetLength(0);
            }
            else
            {
                Emit(data[..nl], offset);
            }
            data = data[(nl + 1)..];
        }
        return offset;
    }

    private long EmitCarry(MemoryStream carry, long offset)
    {
        Emit(carry.GetBuffer().AsSpan(0, (int)carry.Length), offset);
        carry.SetLength(0);
        return offset;
    }

    private void Emit(ReadOnlySpan<byte> line, long endOffset)
    {
        if (!line.IsEmpty && line[^1] == '\r')
            line = line[..^1];
        _metrics.ReadLines.Add(_metricLabels, 1);
        var token = _tracker.Issue(endOffset);
        if (_options.MaxLineSize > 0 && line.Length > _options.MaxLineSize)
        {
            if (!_options.MaxLineSizeTruncate)
            {
                _metrics.DroppedLines("line_too_long");
                token.Complete();
                return;
            }
            line = line[..(int)_options.MaxLineSize];
        }
        var entry = new PipelineEntry(new Dictionary<string, string>(_labels, StringComparer.Ordinal), TimeNs.Now(), Encoding.UTF8.GetString(line));
        entry.Extracted["filename"] = Path;
        entry.Tokens.Add(token);
        _pipeline.Process(entry, _collect);
    }

    private async ValueTask DeliverAsync(CancellationToken stop)
    {
        if (_out.Count == 0)
            return;
        // Entries already read are delivered even when stopping, so that their positions can advance.
        foreach (var e in _out)
            await _sink.WriteAsync(e, CancellationToken.None);
        _out.Clear();
    }

    private async Task Delay(CancellationToken stop)
    {
        try
        {
            await Task.Delay(_options.PollInterval, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
