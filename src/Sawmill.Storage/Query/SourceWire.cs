using Sawmill.Core;
using Sawmill.Storage.Binary;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Query;

/// <summary>
/// The bytes an ingester answers a querier's select with (docs/format/wire.md): for every matching stream, the sources a
/// local read would merge — chunks and head blocks still compressed as they are in memory or on disk, the open head
/// block as plain entries — so the ingester spends no CPU decoding and the querier merges them with its bucket chunks
/// and the other replicas' sources in one <see cref="StreamIterator"/> (which drops the replicas' duplicate entries).
/// Stateless.
/// </summary>
internal static class SourceWire
{
    public static ReadOnlySpan<byte> Magic => "SMSL"u8;
    public const byte Version = 1;
    private const byte KindChunk = 1;
    private const byte KindBlock = 2;
    private const byte KindEntries = 3;
    private const byte FlagLines = 1;
    private const byte FlagMetadata = 2;

    /// <summary>Writes the header and stream count; then call <see cref="WriteStream"/> that many times.</summary>
    public static void WriteHeader(ByteWriter w, int streams)
    {
        w.WriteBytes(Magic);
        w.WriteByte(Version);
        w.WriteByte(0);
        w.WriteU16(0);
        w.WriteUVarint((ulong)streams);
    }

    /// <param name="lines">Whether the head entries were copied with their lines (the request asked for lines or a line filter).</param>
    public static void WriteStream(ByteWriter w, Labels labels, List<Source> sources, bool lines)
    {
        w.WriteUVarint((ulong)labels.Count);
        foreach (var l in labels.AsSpan())
        {
            w.WriteString(l.Name);
            w.WriteString(l.Value);
        }
        w.WriteUVarint((ulong)sources.Count);
        foreach (var source in sources)
        {
            switch (source)
            {
                case MemChunkSource m:
                    w.WriteByte(KindChunk);
                    WriteChunk(w, m.Chunk);
                    break;
                case DiskChunkSource d:
                    w.WriteByte(KindChunk);
                    w.WriteLengthPrefixed(d.Block.ReadRawBytes(d.Meta));
                    break;
                case EncodedBlockSource e:
                    w.WriteByte(KindBlock);
                    w.WriteVarint(e.Block.MinT);
                    w.WriteVarint(e.Block.MaxT);
                    w.WriteUVarint((ulong)e.Block.Entries);
                    w.WriteUVarint((ulong)e.Block.RawBytes);
                    w.WriteLengthPrefixed(e.Block.Bytes.Span);
                    break;
                case DecodedSource d:
                    w.WriteByte(KindEntries);
                    WriteEntries(w, d.Block, lines);
                    break;
                default:
                    throw new InvalidOperationException("unknown source " + source.GetType().Name);
            }
        }
    }

    private static void WriteChunk(ByteWriter w, Chunk chunk)
    {
        var scratch = new ByteWriter((int)Math.Min(int.MaxValue, chunk.StoredBytes + 4096));
        ChunkFormat.Write(chunk, scratch);
        w.WriteLengthPrefixed(scratch.WrittenSpan);
    }

    private static void WriteEntries(ByteWriter w, DecodedBlock b, bool lines)
    {
        var metadata = b.Metadata != null;
        w.WriteUVarint((ulong)b.Count);
        w.WriteByte((byte)((lines ? FlagLines : 0) | (metadata ? FlagMetadata : 0)));
        var prev = 0L;
        for (var i = 0; i < b.Count; i++)
        {
            w.WriteVarint(b.Timestamps[i] - prev);
            prev = b.Timestamps[i];
            w.WriteUVarint((ulong)b.Lengths[i]);
            if (lines)
                w.WriteBytes(b.Lines.AsSpan(b.Offsets[i], b.Lengths[i]));
            if (metadata)
            {
                var m = b.Metadata![i] ?? [];
                w.WriteUVarint((ulong)m.Length);
                foreach (var l in m)
                {
                    w.WriteString(l.Name);
                    w.WriteString(l.Value);
                }
            }
        }
    }

    /// <summary>
    /// Adds the sources of a response to <paramref name="groups"/>. Chunk and block bytes stay slices of
    /// <paramref name="bytes"/>. Throws <see cref="StorageCorruptionException"/> naming <paramref name="origin"/>.
    /// </summary>
    public static void Read(ReadOnlyMemory<byte> bytes, string origin, Dictionary<Labels, List<Source>> groups)
    {
        var pos = 0;
        try
        {
            var span = bytes.Span;
            if (span.Length < 8 || !span[..4].SequenceEqual(Magic))
                throw new InvalidDataException("not a select response (bad magic)");
            if (span[4] != Version)
                throw new InvalidDataException($"unsupported select response version {span[4]}");
            pos = 8;
            var streams = Count(bytes, ref pos);
            for (var s = 0; s < streams; s++)
            {
                var nLabels = Count(bytes, ref pos);
                var labels = new Label[nLabels];
                for (var i = 0; i < nLabels; i++)
                    labels[i] = new Label(Str(bytes, ref pos), Str(bytes, ref pos));
                var key = Labels.From(labels);
                if (!groups.TryGetValue(key, out var list))
                    groups[key] = list = [];
                var nSources = Count(bytes, ref pos);
                for (var i = 0; i < nSources; i++)
                {
                    var kind = Byte(bytes, ref pos);
                    switch (kind)
                    {
                        case KindChunk:
                            list.Add(new MemChunkSource(ChunkFormat.Read(Slice(bytes, ref pos, Count(bytes, ref pos)), origin)));
                            break;
                        case KindBlock:
                            var minT = Varint(bytes, ref pos);
                            var maxT = Varint(bytes, ref pos);
                            var entries = Count(bytes, ref pos);
                            var raw = (int)UVarint(bytes, ref pos);
                            var block = new EncodedBlock(Slice(bytes, ref pos, Count(bytes, ref pos)), minT, maxT, entries, raw, origin);
                            list.Add(new EncodedBlockSource(block, fromHead: true));
                            break;
                        case KindEntries:
                            if (ReadEntries(bytes, ref pos) is { } d)
                                list.Add(d);
                            break;
                        default:
                            throw new InvalidDataException($"unknown source kind {kind}");
                    }
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(origin, $"{e.Message} (at byte {pos})", e);
        }
    }

    private static DecodedSource? ReadEntries(ReadOnlyMemory<byte> bytes, ref int pos)
    {
        var n = Count(bytes, ref pos);
        var flags = Byte(bytes, ref pos);
        var lines = (flags & FlagLines) != 0;
        var metadata = (flags & FlagMetadata) != 0;
        // The line bytes are copied into the block's own (pooled) buffer, as the head's copy would be.
        var start = pos;
        long total = 0;
        var scan = pos;
        for (var i = 0; i < n; i++)
        {
            Varint(bytes, ref scan);
            var len = Length(bytes, ref scan, lines);
            total += len;
            if (lines)
                Slice(bytes, ref scan, len);
            if (metadata)
            {
                var m = Count(bytes, ref scan);
                for (var j = 0; j < m; j++)
                {
                    Str(bytes, ref scan);
                    Str(bytes, ref scan);
                }
            }
        }
        if (total > int.MaxValue)
            throw new InvalidDataException("entries block too large");
        var block = new DecodedBlock();
        block.Reset(n, lines ? (int)total : 0);
        var meta = metadata ? block.EnsureMetadata() : null;
        pos = start;
        var ts = 0L;
        var off = 0;
        for (var i = 0; i < n; i++)
        {
            ts += Varint(bytes, ref pos);
            var len = Length(bytes, ref pos, lines);
            block.Timestamps[i] = ts;
            block.Lengths[i] = len;
            block.Offsets[i] = off;
            if (lines)
            {
                Slice(bytes, ref pos, len).Span.CopyTo(block.Lines.AsSpan(off));
                off += len;
            }
            if (meta != null)
            {
                var m = Count(bytes, ref pos);
                var labels = m == 0 ? null : new Label[m];
                for (var j = 0; j < m; j++)
                    labels![j] = new Label(Str(bytes, ref pos), Str(bytes, ref pos));
                meta[i] = labels;
            }
        }
        if (n == 0)
        {
            block.Dispose();
            return null;
        }
        return new DecodedSource(block, block.Timestamps[0], block.Timestamps[n - 1]);
    }

    /// <summary>A line length: bounded by the bytes left when the line follows, by int otherwise.</summary>
    private static int Length(ReadOnlyMemory<byte> bytes, ref int pos, bool linesFollow)
    {
        if (linesFollow)
            return Count(bytes, ref pos);
        var v = UVarint(bytes, ref pos);
        return v <= int.MaxValue ? (int)v : throw new InvalidDataException("line length out of range");
    }

    private static byte Byte(ReadOnlyMemory<byte> bytes, ref int pos)
    {
        if (pos >= bytes.Length)
            throw new InvalidDataException("response ends early");
        return bytes.Span[pos++];
    }

    private delegate T ReadFn<T>(ref ByteReader r);

    /// <summary>One bounds-checked read at <paramref name="pos"/> (the reader is a ref struct over the span, made per read).</summary>
    private static T Read<T>(ReadOnlyMemory<byte> bytes, ref int pos, ReadFn<T> read)
    {
        var r = new ByteReader(bytes.Span) { Position = pos };
        var v = read(ref r);
        pos = r.Position;
        return v;
    }

    private static ulong UVarint(ReadOnlyMemory<byte> bytes, ref int pos) => Read(bytes, ref pos, static (ref ByteReader r) => r.ReadUVarint());

    private static long Varint(ReadOnlyMemory<byte> bytes, ref int pos) => Read(bytes, ref pos, static (ref ByteReader r) => r.ReadVarint());

    private static int Count(ReadOnlyMemory<byte> bytes, ref int pos) => Read(bytes, ref pos, static (ref ByteReader r) => r.ReadCount());

    private static string Str(ReadOnlyMemory<byte> bytes, ref int pos) => Read(bytes, ref pos, static (ref ByteReader r) => r.ReadString());

    private static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> bytes, ref int pos, int length)
    {
        if (length < 0 || length > bytes.Length - pos)
            throw new InvalidDataException("value runs past the end of the response");
        var slice = bytes.Slice(pos, length);
        pos += length;
        return slice;
    }
}

/// <summary>
/// The bytes an ingester answers a querier's series/labels/stats request with: per stream its labels and figures
/// (<c>"SMSM" u8 version u8×3 | uvarint streams | {labels, uvarint entries, uvarint bytes, uvarint chunks}*</c>).
/// </summary>
public static class SummaryWire
{
    private static ReadOnlySpan<byte> Magic => "SMSM"u8;

    public static byte[] Write(IReadOnlyDictionary<Labels, StreamSummary> streams)
    {
        var w = new ByteWriter(64 + streams.Count * 64);
        w.WriteBytes(Magic);
        w.WriteByte(1);
        w.WriteByte(0);
        w.WriteU16(0);
        w.WriteUVarint((ulong)streams.Count);
        foreach (var (labels, s) in streams)
        {
            w.WriteUVarint((ulong)labels.Count);
            foreach (var l in labels.AsSpan())
            {
                w.WriteString(l.Name);
                w.WriteString(l.Value);
            }
            w.WriteUVarint((ulong)s.Entries);
            w.WriteUVarint((ulong)s.Bytes);
            w.WriteUVarint((ulong)s.Chunks);
        }
        return w.ToArray();
    }

    /// <summary>Parses a response. Throws <see cref="StorageCorruptionException"/> naming <paramref name="origin"/>.</summary>
    public static Dictionary<Labels, StreamSummary> Read(ReadOnlySpan<byte> bytes, string origin)
    {
        try
        {
            if (bytes.Length < 8 || !bytes[..4].SequenceEqual(Magic) || bytes[4] != 1)
                throw new InvalidDataException("not a summaries response (bad magic or version)");
            var r = new ByteReader(bytes) { Position = 8 };
            var n = r.ReadCount();
            var result = new Dictionary<Labels, StreamSummary>(n);
            for (var i = 0; i < n; i++)
            {
                var labels = new Label[r.ReadCount()];
                for (var j = 0; j < labels.Length; j++)
                    labels[j] = new Label(r.ReadString(), r.ReadString());
                result[Labels.From(labels)] = new StreamSummary((long)r.ReadUVarint(), (long)r.ReadUVarint(), (long)r.ReadUVarint());
            }
            return result;
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(origin, e.Message, e);
        }
    }
}
