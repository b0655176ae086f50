using System.Net;
using System.Net.Sockets;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// The argument of <c>ip("…")</c>: a single address (<c>192.168.0.1</c>), a range (<c>192.168.0.1-192.168.0.10</c>)
/// or a CIDR (<c>10.0.0.0/8</c>), IPv4 or IPv6. Immutable, thread-safe.
/// </summary>
public sealed class IpPattern
{
    private readonly byte[] _low;
    private readonly byte[] _high;

    private IpPattern(byte[] low, byte[] high)
    {
        _low = low;
        _high = high;
    }

    public static bool TryParse(string text, out IpPattern? pattern)
    {
        pattern = null;
        text = text.Trim();
        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(text[..slash], out var addr) || !int.TryParse(text[(slash + 1)..], out var bits))
                return false;
            var bytes = addr.GetAddressBytes();
            if (bits < 0 || bits > bytes.Length * 8)
                return false;
            var low = (byte[])bytes.Clone();
            var high = (byte[])bytes.Clone();
            for (var i = 0; i < bytes.Length; i++)
            {
                var keep = Math.Clamp(bits - i * 8, 0, 8);
                var mask = (byte)(0xFF << (8 - keep));
                low[i] = (byte)(bytes[i] & mask);
                high[i] = (byte)(bytes[i] | ~mask);
            }
            pattern = new IpPattern(low, high);
            return true;
        }
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            if (!IPAddress.TryParse(text[..dash], out var a) || !IPAddress.TryParse(text[(dash + 1)..], out var b) ||
                a.AddressFamily != b.AddressFamily)
                return false;
            var la = a.GetAddressBytes();
            var lb = b.GetAddressBytes();
            if (Compare(la, lb) > 0)
                return false;
            pattern = new IpPattern(la, lb);
            return true;
        }
        if (!IPAddress.TryParse(text, out var single) || (single.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            return false;
        var sb = single.GetAddressBytes();
        pattern = new IpPattern(sb, sb);
        return true;
    }

    /// <summary>True when <paramref name="address"/> parses as an IP inside the pattern.</summary>
    public bool Contains(ReadOnlySpan<char> address)
    {
        if (!IPAddress.TryParse(address, out var ip))
            return false;
        if (ip.IsIPv4MappedToIPv6 && _low.Length == 4)
            ip = ip.MapToIPv4();
        var b = ip.GetAddressBytes();
        return b.Length == _low.Length && Compare(b, _low) >= 0 && Compare(b, _high) <= 0;
    }

    private static int Compare(byte[] a, byte[] b)
    {
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return a[i].CompareTo(b[i]);
        return 0;
    }
}
