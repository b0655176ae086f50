using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sawmill.Storage.Bucket;

/// <summary>
/// The read nodes' local disk cache of bucket chunk bytes: a <c>chunks</c> object is cached in fixed-size segments, one
/// file each (<c>&lt;block dir&gt;/chunks.&lt;n&gt;</c>), fetched with one ranged GET on first use and written to a temporary
/// name then renamed, so a crash leaves whole segments only. Concurrent readers of a missing segment share one fetch.
/// Past <see cref="MaxBytes"/> the least recently used segments are deleted. Thread-safe.
/// </summary>
public sealed class SegmentCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task>> _fetching = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly object _evictLock = new();
    private long _bytes;

    public SegmentCache(string directory, long maxBytes, int segmentSize, ILogger logger)
    {
        Directory = Path.GetFullPath(directory);
        MaxBytes = maxBytes;
        SegmentSize = segmentSize;
        _logger = logger;
        System.IO.Directory.CreateDirectory(Directory);
        // What an earlier run left is reused; unfinished downloads are not.
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles("chunks.*", SearchOption.AllDirectories))
        {
            if (file.Name.Contains(".tmp", StringComparison.Ordinal))
            {
                file.Delete();
                continue;
            }
            _entries[file.FullName] = new Entry(file.Length, file.LastWriteTimeUtc.Ticks);
            _bytes += file.Length;
        }
    }

    public string Directory { get; }
    public long MaxBytes { get; }
    public int SegmentSize { get; }

    /// <summary>Bytes of cached segments on disk.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Segments fetched from the bucket (cache misses) since start.</summary>
    public long Fetches;

    /// <summary>Bytes fetched from the bucket since start.</summary>
    public long FetchedBytes;

    /// <summary>
    /// Copies <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> of the object <paramref name="key"/>
    /// (<paramref name="length"/> bytes long) into <paramref name="buffer"/>, fetching missing segments into
    /// <paramref name="dir"/>.
    /// </summary>
    public void Read(IBucket bucket, string key, long length, string dir, Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var at = offset + done;
            var segment = at / SegmentSize;
            var within = (int)(at - segment * SegmentSize);
            var path = Path.Combine(dir, "chunks." + segment);
            var n = Math.Min(buffer.Length - done, (int)Math.Min(SegmentSize, length - segment * SegmentSize) - within);
            if (n <= 0)
                throw new Core.StorageCorruptionException(key, $"read at {at} runs past the object's {length} bytes");
            for (var attempt = 0; ; attempt++)
            {
                if (!_entries.TryGetValue(path, out var entry) || !File.Exists(path))
                {
                    Fetch(bucket, key, length, segment, path);
                    continue;
                }
                entry.Touch();
                try
                {
                    using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    var got = 0;
                    while (got < n)
                    {
                        var r = RandomAccess.Read(handle, buffer.Slice(done + got, n - got), within + got);
                        if (r <= 0)
                            throw new Core.StorageCorruptionException(path, "cached segment is shorter than expected");
                        got += r;
                    }
                    break;
                }
                catch (FileNotFoundException) when (attempt < 3)
                {
                    // Evicted between the check and the open: fetch it again.
                    _entries.TryRemove(path, out _);
                }
            }
            done += n;
        }
    }

    private void Fetch(IBucket bucket, string key, long length, long segment, string path)
    {
        var fetch = _fetching.GetOrAdd(path, p => new Lazy<Task>(() => FetchAsync(bucket, key, length, segment, p)));
        try
        {
            // Readers are synchronous (the query engine pulls entries); the wait is on an I/O completion, not on this thread.
            fetch.Value.GetAwaiter().GetResult();
        }
        finally
        {
            _fetching.TryRemove(new KeyValuePair<string, Lazy<Task>>(path, fetch));
        }
    }

    private async Task FetchAsync(IBucket bucket, string key, long length, long segment, string path)
    {
        var start = segment * SegmentSize;
        var size = (int)Math.Min(SegmentSize, length - start);
        var buffer = new byte[size];
        if (!await bucket.GetRangeAsync(key, start, buffer, CancellationToken.None).ConfigureAwait(false))
            throw new Core.StorageCorruptionException(key, "the object is gone from the bucket (compacted away or deleted)");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllBytesAsync(tmp, buffer).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
        if (_entries.TryAdd(path, new Entry(size, DateTime.UtcNow.Ticks)))
            Interlocked.Add(ref _bytes, size);
        Interlocked.Increment(ref Fetches);
        Interlocked.Add(ref FetchedBytes, size);
        if (Bytes > MaxBytes)
            Evict();
    }

    /// <summary>Deletes least recently used segments until the cache is at 90% of its budget.</summary>
    private void Evict()
    {
        lock (_evictLock)
        {
            if (Bytes <= MaxBytes)
                return;
            var target = MaxBytes / 10 * 9;
            foreach (var (path, entry) in _entries.ToArray().OrderBy(e => e.Value.LastUse))
            {
                if (Bytes <= target)
                    break;
                if (!_entries.TryRemove(path, out _))
                    continue;
                try
                {
                    File.Delete(path);
                }
                catch (IOException e)
                {
                    _logger.LogWarning("could not evict cached segment {Path}: {Message}", path, e.Message);
                }
                Interlocked.Add(ref _bytes, -entry.Size);
            }
        }
    }

    /// <summary>Forgets (and deletes) every segment under <paramref name="dir"/> (a block that left the bucket).</summary>
    public void Drop(string dir)
    {
        var prefix = Path.GetFullPath(dir) + Path.DirectorySeparatorChar;
        foreach (var (path, entry) in _entries.ToArray())
            if (path.StartsWith(prefix, StringComparison.Ordinal) && _entries.TryRemove(path, out _))
                Interlocked.Add(ref _bytes, -entry.Size);
        try
        {
            if (System.IO.Directory.Exists(dir))
                System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (IOException e)
        {
            _logger.LogWarning("could not remove cached block {Path}: {Message}", dir, e.Message);
        }
    }

    private sealed class Entry(long size, long lastUse)
    {
        private long _lastUse = lastUse;
        public long Size { get; } = size;
        public long LastUse => Volatile.Read(ref _lastUse);
        public void Touch() => Volatile.Write(ref _lastUse, DateTime.UtcNow.Ticks);
    }
}

/// <summary>A bucket block's <c>chunks</c> object read through the <see cref="SegmentCache"/>.</summary>
internal sealed class CachedChunkData(IBucket bucket, string key, long length, string dir, SegmentCache cache) : Blocks.IChunkData
{
    public string Name => $"{bucket.Description}/{key}";
    public long Length { get; } = length;

    public void ReadExactly(Span<byte> buffer, long offset) => cache.Read(bucket, key, Length, dir, buffer, offset);

    public void Dispose()
    {
    }
}
