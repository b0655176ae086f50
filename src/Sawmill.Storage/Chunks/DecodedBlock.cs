using System.Buffers;
using Sawmill.Core;

namespace Sawmill.Storage.Chunks;

/// <summary>
/// The decoded columns of one block: timestamps, line lengths and offsets, the decompressed lines (when asked for) and
/// metadata. Arrays come from <see cref="ArrayPool{T}"/> and go back on <see cref="Dispose"/>; they are longer than
/// <see cref="Count"/>. Not thread-safe.
/// </summary>
internal sealed class DecodedBlock : IDisposable
{
    private static readonly long[] NoLongs = [];
    private static readonly int[] NoInts = [];
    private static readonly byte[] NoBytes = [];

    public long[] Timestamps { get; private set; } = NoLongs;
    public int[] Lengths { get; private set; } = NoInts;
    public int[] Offsets { get; private set; } = NoInts;
    public byte[] Lines { get; private set; } = NoBytes;
    public Label[]?[]? Metadata { get; private set; }
    public int Count { get; private set; }

    /// <summary>Some entry of the block has structured metadata (known from the block header even when it was not decoded).</summary>
    public bool HasMetadata { get; set; }

    public void Reset(int count, int lineBytes)
    {
        Count = count;
        Metadata = null;
        HasMetadata = false;
        if (Timestamps.Length < count)
        {
            ReturnColumns();
            Timestamps = ArrayPool<long>.Shared.Rent(count);
            Lengths = ArrayPool<int>.Shared.Rent(count);
            Offsets = ArrayPool<int>.Shared.Rent(count);
        }
        if (Lines.Length < lineBytes)
        {
            if (Lines.Length > 0)
                ArrayPool<byte>.Shared.Return(Lines);
            Lines = ArrayPool<byte>.Shared.Rent(lineBytes);
        }
    }

    public Label[]?[] EnsureMetadata()
    {
        Metadata = new Label[]?[Count];
        return Metadata;
    }

    /// <summary>Fills the block from the open head block's entries [from, to) (copies, so the head can move on).</summary>
    public void CopyFrom(RawBlock raw, int from, int to, bool lines, bool metadata)
    {
        var n = to - from;
        var bytes = 0;
        if (lines)
            for (var i = from; i < to; i++)
                bytes += raw.LengthAt(i);
        Reset(n, bytes);
        var off = 0;
        Label[]?[]? meta = metadata && raw.HasMetadata ? EnsureMetadata() : null;
        for (var i = 0; i < n; i++)
        {
            Timestamps[i] = raw.TimestampAt(from + i);
            var len = raw.LengthAt(from + i);
            Lengths[i] = len;
            Offsets[i] = off;
            if (lines)
            {
                raw.LineAt(from + i).CopyTo(Lines.AsSpan(off));
                off += len;
            }
            if (meta != null)
                meta[i] = raw.MetadataAt(from + i);
        }
        HasMetadata = raw.HasMetadata;
    }

    private void ReturnColumns()
    {
        if (Timestamps.Length > 0)
        {
            ArrayPool<long>.Shared.Return(Timestamps);
            ArrayPool<int>.Shared.Return(Lengths);
            ArrayPool<int>.Shared.Return(Offsets);
        }
        Timestamps = NoLongs;
        Lengths = NoInts;
        Offsets = NoInts;
    }

    public void Dispose()
    {
        ReturnColumns();
        if (Lines.Length > 0)
            ArrayPool<byte>.Shared.Return(Lines);
        Lines = NoBytes;
        Metadata = null;
        Count = 0;
    }
}
