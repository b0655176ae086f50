using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using Sawmill.Core;

namespace Sawmill.Storage.Wal;

/// <summary>
/// Reads WAL segments in order on start-up. A torn tail (a record cut short or failing its checksum at the end of the
/// newest segment, as a kill mid-write leaves it) is truncated and logged; damage anywhere else is reported with the
/// file named and the rest of that segment skipped, so the store still opens.
/// </summary>
internal static class WalReplayer
{
    /// <summary>Segments (path, index) in order.</summary>
    public static List<(string Path, int Index)> Segments(string directory) =>
        Directory.GetFiles(directory, "*.wal")
            .Select(p => (Path: p, Index: int.TryParse(Path.GetFileNameWithoutExtension(p), out var i) ? i : -1))
            .Where(s => s.Index >= 0)
            .OrderBy(s => s.Index)
            .ToList();

    /// <summary>
    /// Replays the segments with index &gt;= <paramref name="fromSegment"/>; returns the index for the next segment.
    /// <paramref name="applyBlock"/> receives checkpoint block records.
    /// </summary>
    public static int Replay(string directory, int fromSegment, Action<string, List<PushStream>> apply, Action<string, Labels, Chunks.EncodedBlock> applyBlock, ILogger logger, out long records)
    {
        records = 0;
        var segments = Segments(directory).Where(s => s.Index >= fromSegment).ToList();
        for (var n = 0; n < segments.Count; n++)
        {
            var (path, _) = segments[n];
            var last = n == segments.Count - 1;
            records += ReplayFile(path, last, apply, applyBlock, logger);
        }
        return segments.Count == 0 ? fromSegment : segments[^1].Index + 1;
    }

    /// <summary>Replays one segment or checkpoint file; a torn tail is truncated only when <paramref name="truncateTornTail"/>.</summary>
    public static long ReplayFile(string path, bool truncateTornTail, Action<string, List<PushStream>> apply, Action<string, Labels, Chunks.EncodedBlock> applyBlock, ILogger logger)
    {
        long records = 0;
        var last = truncateTornTail;
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length < WalFormat.HeaderSize || !bytes.AsSpan(0, 5).SequenceEqual(WalFormat.Magic[..5]))
            {
                logger.LogError("WAL segment {Path} has no valid header; skipped", path);
                return 0;
            }
            var pos = WalFormat.HeaderSize;
            while (pos < bytes.Length)
            {
                var problem = CheckRecord(bytes, pos, out var length);
                if (problem != null)
                {
                    if (last)
                    {
                        logger.LogWarning("WAL segment {Path}: {Problem} at offset {Offset}; truncating the torn tail ({Bytes} bytes)",
                            path, problem, pos, bytes.Length - pos);
                        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
                        fs.SetLength(pos);
                        fs.Flush(flushToDisk: true);
                    }
                    else
                    {
                        logger.LogError("WAL segment {Path} is corrupt: {Problem} at offset {Offset}; the rest of this segment is skipped",
                            path, problem, pos);
                    }
                    break;
                }
                try
                {
                    var payload = bytes.AsSpan(pos + WalFormat.RecordHeaderSize, length);
                    if (payload[0] == WalFormat.KindBlock)
                    {
                        var (tenant, labels, block) = WalFormat.DecodeBlock(payload, path);
                        applyBlock(tenant, labels, block);
                    }
                    else
                    {
                        var (tenant, streams) = WalFormat.DecodePush(payload);
                        apply(tenant, streams);
                    }
                    records++;
                }
                catch (Exception e) when (e is InvalidDataException or StorageCorruptionException)
                {
                    logger.LogError("WAL segment {Path}: undecodable record at offset {Offset} ({Message}); skipped", path, pos, e.Message);
                }
                pos += WalFormat.RecordHeaderSize + length;
            }
        }
        return records;
    }

    private static string? CheckRecord(byte[] bytes, int pos, out int length)
    {
        length = 0;
        if (bytes.Length - pos < WalFormat.RecordHeaderSize)
            return "truncated record header";
        var len = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
        if (len == 0 || len > WalFormat.MaxRecordSize || len > bytes.Length - pos - WalFormat.RecordHeaderSize)
            return "truncated or oversized record";
        length = (int)len;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 4));
        if (Crc32.HashToUInt32(bytes.AsSpan(pos + WalFormat.RecordHeaderSize, length)) != crc)
            return "checksum mismatch";
        return null;
    }
}
