using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Sawmill.Core;

namespace Sawmill.Storage.Wal;

/// <summary>
/// A push as it travels from a distributor to an ingester, and from a write node to a querier's live tail: one WAL push
/// record (docs/format/wal.md, <c>u32 length | u32 crc32 | payload</c>), so the receiving ingester checks it exactly
/// as it replays its own WAL. Stateless.
/// </summary>
public static class PushWire
{
    /// <summary>Encodes into a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.</summary>
    public static (byte[] Buffer, int Length) EncodePooled(string tenant, IReadOnlyList<PushStream> streams) => WalFormat.EncodePushPooled(tenant, streams);

    /// <summary>Decodes one record (header and payload). Throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public static (string Tenant, List<PushStream> Streams) Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < WalFormat.RecordHeaderSize)
            throw new InvalidDataException("push record shorter than its header");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(record);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        if (length != record.Length - WalFormat.RecordHeaderSize)
            throw new InvalidDataException($"push record announces {length} bytes, carries {record.Length - WalFormat.RecordHeaderSize}");
        var payload = record[WalFormat.RecordHeaderSize..];
        if (Crc32.HashToUInt32(payload) != crc)
            throw new InvalidDataException("push record checksum mismatch");
        return WalFormat.DecodePush(payload);
    }

    /// <summary>Reads the next record from a stream (a live tail feed); null at the end.</summary>
    public static async Task<(string Tenant, List<PushStream> Streams)?> ReadAsync(Stream input, CancellationToken cancellationToken)
    {
        var header = new byte[WalFormat.RecordHeaderSize];
        var got = 0;
        while (got < header.Length)
        {
            var n = await input.ReadAsync(header.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (got == 0)
                    return null;
                throw new EndOfStreamException("feed ended inside a record header");
            }
            got += n;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > WalFormat.MaxRecordSize)
            throw new InvalidDataException($"push record of {length} bytes is larger than allowed");
        var record = new byte[WalFormat.RecordHeaderSize + length];
        header.CopyTo(record, 0);
        await input.ReadExactlyAsync(record.AsMemory(WalFormat.RecordHeaderSize), cancellationToken).ConfigureAwait(false);
        return Decode(record);
    }
}
