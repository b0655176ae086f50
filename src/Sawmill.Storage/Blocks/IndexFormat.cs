using System.Buffers.Binary;
using System.IO.Hashing;
using Sawmill.Core;
using Sawmill.Storage.Binary;

namespace Sawmill.Storage.Blocks;

/// <summary>
/// The <c>index</c> file of a block (docs/format/block.md): magic <c>SMIX</c>, version 1, then three sections —
/// symbols, series with their chunk references, postings — each as <c>u32 length | payload | u32 CRC-32</c>.
/// Stateless.
/// </summary>
internal static class IndexFormat
{
    public static ReadOnlySpan<byte> Magic => "SMIX"u8;
    public const byte Version = 1;

    /// <summary>Encodes the index of <paramref name="series"/> (sorted by labels) into bytes.</summary>
    public static byte[] Write(IReadOnlyList<(Labels Labels, IReadOnlyList<ChunkMeta> Chunks)> series)
    {
        var symbols = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (labels, _) in series)
            foreach (var l in labels.AsSpan())
            {
                symbols.Add(l.Name);
                symbols.Add(l.Value);
            }
        var symbolList = symbols.ToList();
        var refs = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < symbolList.Count; i++)
            refs[symbolList[i]] = i;

        var w = new ByteWriter(4096);
        w.WriteBytes(Magic);
        w.WriteByte(Version);
        w.WriteByte(0);
        w.WriteU16(0);

        var s = new ByteWriter(4096);
        s.WriteUVarint((ulong)symbolList.Count);
        foreach (var sym in symbolList)
            s.WriteString(sym);
        WriteSection(w, s);

        s.Reset();
        s.WriteUVarint((ulong)series.Count);
        var postings = new SortedDictionary<(int Name, int Value), List<int>>();
        for (var i = 0; i < series.Count; i++)
        {
            var (labels, chunks) = series[i];
            s.WriteUVarint((ulong)labels.Count);
            foreach (var l in labels.AsSpan())
            {
                var name = refs[l.Name];
                var value = refs[l.Value];
                s.WriteUVarint((ulong)name);
                s.WriteUVarint((ulong)value);
                if (!postings.TryGetValue((name, value), out var list))
                    postings[(name, value)] = list = [];
                list.Add(i);
            }
            s.WriteUVarint((ulong)chunks.Count);
            foreach (var c in chunks)
            {
                s.WriteVarint(c.MinT);
                s.WriteUVarint((ulong)(c.MaxT - c.MinT));
                s.WriteUVarint((ulong)c.Entries);
                s.WriteUVarint((ulong)c.RawBytes);
                s.WriteUVarint((ulong)c.Offset);
                s.WriteUVarint((ulong)c.Length);
                s.WriteUVarint((ulong)c.HeaderLength);
            }
        }
        WriteSection(w, s);

        s.Reset();
        s.WriteUVarint((ulong)postings.Count);
        foreach (var ((name, value), list) in postings)
        {
            s.WriteUVarint((ulong)name);
            s.WriteUVarint((ulong)value);
            s.WriteUVarint((ulong)list.Count);
            var prev = 0;
            foreach (var id in list)
            {
                s.WriteUVarint((ulong)(id - prev));
                prev = id;
            }
        }
        WriteSection(w, s);
        return w.ToArray();
    }

    private static void WriteSection(ByteWriter w, ByteWriter payload)
    {
        w.WriteU32((uint)payload.Length);
        w.WriteBytes(payload.WrittenSpan);
        w.WriteU32(Crc32.HashToUInt32(payload.WrittenSpan));
    }

    /// <summary>Parses an index. Throws <see cref="StorageCorruptionException"/> naming <paramref name="path"/>.</summary>
    public static (List<(Labels Labels, ChunkMeta[] Chunks)> Series, Dictionary<string, Dictionary<string, int[]>> Postings) Read(ReadOnlySpan<byte> bytes, string path)
    {
        try
        {
            if (bytes.Length < 8 || !bytes[..4].SequenceEqual(Magic))
                throw new InvalidDataException("not an index (bad magic)");
            if (bytes[4] != Version)
                throw new InvalidDataException($"unsupported index version {bytes[4]}");
            var pos = 8;
            var symbolsSection = Section(bytes, ref pos, "symbols");
            var seriesSection = Section(bytes, ref pos, "series");
            var postingsSection = Section(bytes, ref pos, "postings");

            var r = new ByteReader(symbolsSection);
            var symbols = new string[r.ReadCount()];
            for (var i = 0; i < symbols.Length; i++)
                symbols[i] = string.Intern(r.ReadString());

            r = new ByteReader(seriesSection);
            var n = r.ReadCount();
            var series = new List<(Labels, ChunkMeta[])>(n);
            for (var i = 0; i < n; i++)
            {
                var labels = new Label[r.ReadCount()];
                for (var j = 0; j < labels.Length; j++)
                    labels[j] = new Label(Symbol(symbols, r.ReadUVarint()), Symbol(symbols, r.ReadUVarint()));
                var chunks = new ChunkMeta[r.ReadCount()];
                for (var j = 0; j < chunks.Length; j++)
                {
                    var minT = r.ReadVarint();
                    var maxT = minT + (long)r.ReadUVarint();
                    chunks[j] = new ChunkMeta(minT, maxT, (int)r.ReadUVarint(), (long)r.ReadUVarint(), (long)r.ReadUVarint(), (int)r.ReadUVarint(), (int)r.ReadUVarint());
                }
                series.Add((Labels.From(labels), chunks));
            }

            r = new ByteReader(postingsSection);
            var postings = new Dictionary<string, Dictionary<string, int[]>>(StringComparer.Ordinal);
            var np = r.ReadCount();
            for (var i = 0; i < np; i++)
            {
                var name = Symbol(symbols, r.ReadUVarint());
                var value = Symbol(symbols, r.ReadUVarint());
                var ids = new int[r.ReadCount()];
                var prev = 0;
                for (var j = 0; j < ids.Length; j++)
                {
                    prev += (int)r.ReadUVarint();
                    if (prev >= series.Count)
                        throw new InvalidDataException("posting refers to a missing series");
                    ids[j] = prev;
                }
                if (!postings.TryGetValue(name, out var values))
                    postings[name] = values = new Dictionary<string, int[]>(StringComparer.Ordinal);
                values[value] = ids;
            }
            return (series, postings);
        }
        catch (InvalidDataException e)
        {
            throw new StorageCorruptionException(path, e.Message, e);
        }
    }

    private static string Symbol(string[] symbols, ulong index) =>
        index < (ulong)symbols.Length ? symbols[index] : throw new InvalidDataException($"symbol reference {index} out of range");

    private static ReadOnlySpan<byte> Section(ReadOnlySpan<byte> bytes, ref int pos, string name)
    {
        if (bytes.Length - pos < 8)
            throw new InvalidDataException($"{name} section truncated");
        var len = BinaryPrimitives.ReadUInt32LittleEndian(bytes[pos..]);
        if (len > (uint)(bytes.Length - pos - 8))
            throw new InvalidDataException($"{name} section runs past the end of the file");
        var payload = bytes.Slice(pos + 4, (int)len);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(pos + 4 + (int)len)..]);
        if (Crc32.HashToUInt32(payload) != crc)
            throw new InvalidDataException($"{name} section checksum mismatch");
        pos += 8 + (int)len;
        return payload;
    }
}
