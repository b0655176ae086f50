using Sawmill.Core;
using Microsoft.Win32.SafeHandles;

namespace Sawmill.Storage.Blocks;

/// <summary>
/// Where a block's <c>chunks</c> bytes are read from: a local file (<see cref="LocalChunkData"/>) or a bucket object
/// through the local segment cache (<see cref="Bucket.CachedChunkData"/>). Positioned reads only; thread-safe.
/// </summary>
internal interface IChunkData : IDisposable
{
    /// <summary>What to name in corruption reports (a path or a bucket key).</summary>
    string Name { get; }

    long Length { get; }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>; throws <see cref="StorageCorruptionException"/> past the end.</summary>
    void ReadExactly(Span<byte> buffer, long offset);
}

/// <summary>A <c>chunks</c> file on local disk, read with pread through one handle that outlives an unlink.</summary>
internal sealed class LocalChunkData(SafeFileHandle handle, string path) : IChunkData
{
    public string Name { get; } = path;
    public long Length { get; } = RandomAccess.GetLength(handle);

    public void ReadExactly(Span<byte> buffer, long offset)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n <= 0)
                throw new StorageCorruptionException(Name, $"unexpected end of file at offset {offset + done}");
            done += n;
        }
    }

    public void Dispose() => handle.Dispose();
}
