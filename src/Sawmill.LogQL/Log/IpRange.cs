using System.Net;
using System.Net.Sockets;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The argument of LogQL's <c>ip("…")</c>: one address (<c>192.168.0.1</c>), a range (<c>192.168.0.1-192.168.0.10</c>)
/// or a CIDR (<c>10.0.0.0/8</c>), IPv4 or IPv6, as an inclusive interval. Immutable.
/// </summary>
public sealed class IpRange
{
    private readonly UInt128 _low;
    private readonly UInt128 _high;
    private readonly bool _v6;

    private IpRange(UInt128 low, UInt128 high, bool v6)
    {
        _low = low;
        _high = high;
        _v6 = v6;
    }

    public string Text { get; private init; } = "";

    /// <exception cref="ArgumentException">Not an address, range or CIDR (Loki's wording).</exception>
    public static IpRange Parse(string text)
    {
        if (TryParse(text, out var r))
            return r!;
        throw new ArgumentException($"ip: invalid IP pattern \"{text}\"");
    }

    public static bool TryParse(string text, out IpRange? range)
    {
        range = null;
        var t = text.Trim();
        var slash = t.IndexOf('/');
        if (slash >= 0)
        {
            if (!TryAddress(t.AsSpan(0, slash), out var a, out var v6) || !int.TryParse(t.AsSpan(slash + 1), out var bits))
                return false;
            var width = v6 ? 128 : 32;
            if (bits < 0 || bits > width)
                return false;
            var hostBits = width - bits;
            var mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            range = new IpRange(a & ~mask, a | mask, v6) { Text = text };
            return true;
        }
        var dash = t.IndexOf('-');
        if (dash >= 0)
        {
            if (!TryAddress(t.AsSpan(0, dash), out var a, out var av6) || !TryAddress(t.AsSpan(dash + 1), out var b, out var bv6) || av6 != bv6 || a > b)
                return false;
            range = new IpRange(a, b, av6) { Text = text };
            return true;
        }
        if (!TryAddress(t, out var single, out var sv6))
            return false;
        range = new IpRange(single, single, sv6) { Text = text };
        return true;
    }

    /// <summary>True when <paramref name="address"/> is an IP address inside the range (IPv4-mapped IPv6 counts as IPv4).</summary>
    public bool Contains(ReadOnlySpan<char> address)
    {
        if (!TryAddress(address, out var a, out var v6))
            return false;
        return v6 == _v6 && a >= _low && a <= _high;
    }

    /// <summary>Parses an address to a number; IPv4 must be dotted quad (Go's parser rejects short forms).</summary>
    internal static bool TryAddress(ReadOnlySpan<char> s, out UInt128 value, out bool v6)
    {
        value = 0;
        v6 = false;
        if (s.IsEmpty || s.Length > 45)
            return false;
        var isV4Text = s.IndexOf(':') < 0;
        if (isV4Text)
        {
            var dots = 0;
            foreach (var c in s)
            {
                if (c == '.')
                    dots++;
                else if (!char.IsAsciiDigit(c))
                    return false;
            }
            if (dots != 3)
                return false;
        }
        if (!IPAddress.TryParse(s, out var ip))
            return false;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out var n))
            return false;
        v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        UInt128 v = 0;
        for (var i = 0; i < n; i++)
            v = (v << 8) | bytes[i];
        value = v;
        return true;
    }
}
