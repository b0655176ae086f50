using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Sawmill.Storage.Wal;

/// <summary>
/// Appends records to the current WAL segment with group commit: concurrent appends queue up, one background loop
/// writes everything queued, makes it durable per <see cref="WalSyncMode"/>, then completes all of them. A completed
/// <see cref="AppendAsync"/> means the record survives a process kill (and, in <see cref="WalSyncMode.Batch"/>, a power
/// loss). Thread-safe.
/// </summary>
internal sealed class WalWriter : IAsyncDisposable
{
    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _directory;
    private readonly WalSyncMode _mode;
    private readonly long _segmentSize;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private FileStream _segment;
    private int _segmentIndex;

    public long BytesWritten;
    public long Syncs;

    public WalWriter(string directory, int nextSegmentIndex, WalSyncMode mode, long segmentSize, ILogger logger)
    {
        _directory = directory;
        _mode = mode;
        _segmentSize = segmentSize;
        _logger = logger;
        _segmentIndex = nextSegmentIndex;
        _segment = OpenSegment(_segmentIndex);
        _loop = Task.Run(LoopAsync);
    }

    public static string SegmentPath(string directory, int index) => Path.Combine(directory, $"{index:D8}.wal");

    public Task AppendAsync(byte[] record) => Enqueue(new Item(record, record.Length, false, NewDone()));

    /// <summary>Appends the first <paramref name="length"/> bytes of a buffer rented from the shared pool; the writer returns it.</summary>
    public Task AppendPooledAsync(byte[] buffer, int length) => Enqueue(new Item(buffer, length, true, NewDone()));

    private static TaskCompletionSource<int> NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A queued record (null: a segment switch) and who waits for it.</summary>
    private readonly record struct Item(byte[]? Record, int Length, bool Pooled, TaskCompletionSource<int> Done)
    {
        public void Release()
        {
            if (Pooled && Record != null)
                System.Buffers.ArrayPool<byte>.Shared.Return(Record);
        }
    }

    /// <summary>
    /// Queues a segment switch behind every record queued so far: those end up in segments below the returned index,
    /// every record queued later in that segment or above. Completes (with the new segment's index) once the old
    /// segment is fsynced and closed.
    /// </summary>
    public Task<int> RotateAsync() => Enqueue(new Item(null, 0, false, NewDone()));

    private Task<int> Enqueue(Item item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            item.Release();
            item.Done.SetException(new ObjectDisposedException(nameof(WalWriter), "the WAL is closed"));
        }
        return item.Done.Task;
    }

    /// <summary>Index of the segment being written.</summary>
    public int CurrentSegment => Volatile.Read(ref _segmentIndex);

    private FileStream OpenSegment(int index)
    {
        var path = SegmentPath(_directory, index);
        var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.None);
        fs.Write(WalFormat.Magic);
        fs.Flush(flushToDisk: true);
        return fs;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Item>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 4096 && reader.TryRead(out var item))
                batch.Add(item);
            try
            {
                var rotated = -1;
                foreach (var item in batch)
                {
                    var record = item.Record;
                    if (record == null)
                    {
                        _segment.Flush(flushToDisk: true);
                        await _segment.DisposeAsync().ConfigureAwait(false);
                        _segment = OpenSegment(Volatile.Read(ref _segmentIndex) + 1);
                        Volatile.Write(ref _segmentIndex, _segmentIndex + 1);
                        rotated = _segmentIndex;
                        continue;
                    }
                    if (_segment.Length + item.Length > _segmentSize && _segment.Length > WalFormat.HeaderSize)
                    {
                        _segment.Flush(flushToDisk: true);
                        await _segment.DisposeAsync().ConfigureAwait(false);
                        _segment = OpenSegment(_segmentIndex + 1);
                        Volatile.Write(ref _segmentIndex, _segmentIndex + 1);
                    }
                    _segment.Write(record, 0, item.Length);
                    Interlocked.Add(ref BytesWritten, item.Length);
                }
                _segment.Flush(flushToDisk: _mode == WalSyncMode.Batch);
                if (_mode == WalSyncMode.Batch)
                    Interlocked.Increment(ref Syncs);
                foreach (var item in batch)
                    item.Done.TrySetResult(item.Record == null ? rotated : 0);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "WAL write failed; pushes in this batch are rejected");
                foreach (var item in batch)
                    item.Done.TrySetException(new IOException("the write-ahead log could not be written: " + e.Message, e));
            }
            finally
            {
                foreach (var item in batch)
                    item.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _segment.Flush(flushToDisk: true);
        await _segment.DisposeAsync().ConfigureAwait(false);
    }
}
