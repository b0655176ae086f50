using System.Globalization;
using System.Net;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The argument of LogQL's <c>ip("…")</c> as Loki reads it with Go's net/netip: one address (<c>192.168.0.1</c>), a
/// CIDR prefix (<c>10.0.0.0/8</c>) or a range (<c>192.168.0.1-192.168.0.10</c>), IPv4 or IPv6. As in netip, the two
/// families never mix: an IPv4-mapped IPv6 address (<c>::ffff:10.0.0.1</c>) is IPv6 and matches no IPv4 pattern.
/// <see cref="MatchesIn"/> finds addresses in a text the way Loki's ip filter scans a line. Immutable.
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

    /// <exception cref="ArgumentException">Not an address, prefix or range (Loki's wording).</exception>
    public static IpRange Parse(string text)
    {
        if (TryParse(text, out var r))
            return r!;
        throw new ArgumentException($"ip: invalid pattern: {GoQuote.Quote(text)}");
    }

    /// <summary>Loki's getMatcher: netip.ParseAddr, else netip.ParsePrefix, else netipx.ParseIPRange.</summary>
    public static bool TryParse(string text, out IpRange? range)
    {
        range = null;
        if (TryAddress(text, out var single, out var sv6, allowZone: true))
        {
            range = new IpRange(single, single, sv6) { Text = text };
            return true;
        }
        var slash = text.IndexOf('/');
        if (slash >= 0)
        {
            var bitsText = text.AsSpan(slash + 1);
            // netip: the prefix length is decimal without leading zeros (or "0").
            if (!TryAddress(text.AsSpan(0, slash), out var a, out var v6, allowZone: false) || bitsText.IsEmpty ||
                (bitsText.Length > 1 && bitsText[0] == '0') || bitsText.ContainsAnyExceptInRange('0', '9') ||
                !int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
                return false;
            var width = v6 ? 128 : 32;
            if (bits > width)
                return false;
            var hostBits = width - bits;
            var mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            range = new IpRange(a & ~mask, a | mask, v6) { Text = text };
            return true;
        }
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            if (!TryAddress(text.AsSpan(0, dash), out var a, out var av6, allowZone: false) ||
                !TryAddress(text.AsSpan(dash + 1), out var b, out var bv6, allowZone: false) || av6 != bv6 || b < a)
                return false;
            range = new IpRange(a, b, av6) { Text = text };
            return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="address"/> (netip syntax) is inside the pattern, in the same family.</summary>
    public bool Contains(ReadOnlySpan<char> address) =>
        TryAddress(address, out var a, out var v6, allowZone: false) && v6 == _v6 && a >= _low && a <= _high;

    /// <summary>
    /// Loki's ip filter over a line or a label value: at each position that looks like the start of an IPv4 address
    /// (a digit and a '.' within the next three bytes) or of an IPv6 one (hex digits then ':'), the run of address
    /// characters there is parsed; a match ends the search, otherwise scanning resumes after the run.
    /// </summary>
    public bool MatchesIn(ReadOnlySpan<byte> text)
    {
        Span<char> token = stackalloc char[64];
        var n = text.Length;
        for (var i = 0; i < n; i++)
        {
            int len;
            if (i + 3 < n && IsDigit(text[i]) && (text[i + 1] == '.' || text[i + 2] == '.' || text[i + 3] == '.'))
                len = Span(text[i..], v6: false);
            else if (i + 4 < n && V6Hint(text.Slice(i, 5)))
                len = Span(text[i..], v6: true);
            else
                continue;
            if (len <= token.Length)
            {
                for (var k = 0; k < len; k++)
                    token[k] = (char)text[i + k];
                if (Contains(token[..len]))
                    return true;
            }
            i += len;
        }
        return false;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsHex(byte b) => IsDigit(b) || b is >= (byte)'a' and <= (byte)'f' || b is >= (byte)'A' and <= (byte)'F';

    private static bool V6Hint(ReadOnlySpan<byte> p) =>
        (p[0] == ':' && p[1] == ':' && IsHex(p[2])) ||
        (IsHex(p[0]) && p[1] == ':') ||
        (IsHex(p[0]) && IsHex(p[1]) && p[2] == ':') ||
        (IsHex(p[0]) && IsHex(p[1]) && IsHex(p[2]) && p[3] == ':') ||
        (IsHex(p[0]) && IsHex(p[1]) && IsHex(p[2]) && IsHex(p[3]) && p[4] == ':');

    /// <summary>The length of the run of IPv4 characters (digits, '.') or IPv6 ones (hex digits, ':', '.').</summary>
    private static int Span(ReadOnlySpan<byte> s, bool v6)
    {
        var i = 0;
        while (i < s.Length && (IsDigit(s[i]) || s[i] == '.' || (v6 && (IsHex(s[i]) || s[i] == ':'))))
            i++;
        return i;
    }

    /// <summary>
    /// netip.ParseAddr: IPv4 as exactly four decimal fields 0-255 without leading zeros; IPv6 in its text forms
    /// (with an optional trailing dotted IPv4, and a %zone only where <paramref name="allowZone"/>), kept as IPv6.
    /// </summary>
    internal static bool TryAddress(ReadOnlySpan<char> s, out UInt128 value, out bool v6, bool allowZone)
    {
        value = 0;
        v6 = false;
        if (s.IsEmpty || s.Length > 64)
            return false;
        if (s.IndexOf(':') < 0)
            return TryV4(s, out value);
        v6 = true;
        var zone = s.IndexOf('%');
        if (zone >= 0)
        {
            if (!allowZone || zone == s.Length - 1)
                return false;
            s = s[..zone];
        }
        foreach (var c in s)
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
                return false;
        // The embedded IPv4 part follows netip's IPv4 rules.
        var lastColon = s.LastIndexOf(':');
        if (s[(lastColon + 1)..].IndexOf('.') >= 0 && !TryV4(s[(lastColon + 1)..], out _))
            return false;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return false;
        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out var written) || written != 16)
            return false;
        UInt128 v = 0;
        foreach (var b in bytes)
            v = (v << 8) | b;
        value = v;
        return true;
    }

    private static bool TryV4(ReadOnlySpan<char> s, out UInt128 value)
    {
        value = 0;
        uint acc = 0;
        var fields = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var v = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                v = v * 10 + (s[i] - '0');
                if (v > 255)
                    return false;
                i++;
            }
            var len = i - start;
            if (len == 0 || (len > 1 && s[start] == '0'))
                return false;
            acc = (acc << 8) | (uint)v;
            fields++;
            if (i == s.Length)
                break;
            if (s[i] != '.' || fields == 4)
                return false;
            i++;
        }
        if (fields != 4)
            return false;
        value = acc;
        return true;
    }
}
