using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Sawmill.Agent.Tailing;

namespace Sawmill.Agent.Client;

/// <summary>
/// Batches that the server could not take yet, on disk under the positions directory, so that a long outage costs
/// disk rather than memory and a crash during it loses nothing. One file per batch, named by a increasing sequence
/// number, written atomically (temp + fsync + rename + directory fsync). File layout (little-endian):
/// <code>
/// "SAWSPILL" magic (8) | version u8 = 1 | tenant length u16 | tenant UTF-8 | entry count i32
/// | payload length i32 | payload (snappy protobuf PushRequest) | CRC-32 (IEEE) of everything before it (4)
/// </code>
/// A file that fails its checksum is renamed to <c>*.corrupt</c> and skipped. Thread-safe.
/// </summary>
public sealed class SpillBuffer
{
    private static readonly byte[] Magic = "SAWSPILL"u8.ToArray();
    private readonly string _dir;
    private readonly ILogger _logger;
    private readonly SortedSet<long> _files = [];
    private readonly object _lock = new();
    private long _next;

    public SpillBuffer(string directory, ILogger logger)
    {
        _dir = directory;
        _logger = logger;
        Directory.CreateDirectory(directory);
        foreach (var f in Directory.EnumerateFiles(directory, "*.batch"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                _files.Add(seq);
        }
        foreach (var f in Directory.EnumerateFiles(directory, "*.tmp"))
            File.Delete(f);
        _next = _files.Count > 0 ? _files.Max + 1 : 1;
    }

    public int Count
    {
        get
        {
            lock (_lock)
                return _files.Count;
        }
    }

    /// <summary>Writes a batch durably; when this returns, the batch survives a crash.</summary>
    public void Write(string tenant, int entries, byte[] payload)
    {
        long seq;
        lock (_lock)
            seq = _next++;
        var tenantBytes = Encoding.UTF8.GetBytes(tenant);
        var size = 8 + 1 + 2 + tenantBytes.Length + 4 + 4 + payload.Length + 4;
        var buf = new byte[size];
        var p = 0;
        Magic.CopyTo(buf, p);
        p += 8;
        buf[p++] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(buf.AsSpan(p), (ushort)tenantBytes.Length);
        p += 2;
        tenantBytes.CopyTo(buf, p);
        p += tenantBytes.Length;
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(p), entries);
        p += 4;
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(p), payload.Length);
        p += 4;
        payload.CopyTo(buf, p);
        p += payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(p), Crc32.HashToUInt32(buf.AsSpan(0, p)));
        Positions.PositionsFile.WriteAtomically(PathOf(seq), buf);
        lock (_lock)
            _files.Add(seq);
    }

    /// <summary>The oldest readable batch, or null when empty. Corrupt files are set aside.</summary>
    public (long Seq, string Tenant, int Entries, byte[] Payload)? Peek()
    {
        while (true)
        {
            long seq;
            lock (_lock)
            {
                if (_files.Count == 0)
                    return null;
                seq = _files.Min;
            }
            var path = PathOf(seq);
            try
            {
                var buf = File.ReadAllBytes(path);
                if (TryDecode(buf, out var tenant, out var entries, out var payload))
                    return (seq, tenant, entries, payload);
                _logger.LogError("spill file {Path} is corrupt (bad magic, length or checksum); set aside as .corrupt", path);
                File.Move(path, path + ".corrupt", overwrite: true);
            }
            catch (FileNotFoundException)
            {
            }
            lock (_lock)
                _files.Remove(seq);
        }
    }

    public void Remove(long seq)
    {
        File.Delete(PathOf(seq));
        lock (_lock)
            _files.Remove(seq);
    }

    internal static bool TryDecode(byte[] buf, out string tenant, out int entries, out byte[] payload)
    {
        tenant = "";
        entries = 0;
        payload = [];
        if (buf.Length < 8 + 1 + 2 + 4 + 4 + 4 || !buf.AsSpan(0, 8).SequenceEqual(Magic) || buf[8] != 1)
            return false;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(buf.Length - 4));
        if (Crc32.HashToUInt32(buf.AsSpan(0, buf.Length - 4)) != crc)
            return false;
        var p = 9;
        int tl = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(p));
        p += 2;
        if (p + tl + 8 > buf.Length - 4)
            return false;
        tenant = Encoding.UTF8.GetString(buf, p, tl);
        p += tl;
        entries = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(p));
        p += 4;
        var len = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(p));
        p += 4;
        if (len < 0 || p + len != buf.Length - 4)
            return false;
        payload = buf.AsSpan(p, len).ToArray();
        return true;
    }

    private string PathOf(long seq) => Path.Combine(_dir, seq.ToString("D12", CultureInfo.InvariantCulture) + ".batch");
}
