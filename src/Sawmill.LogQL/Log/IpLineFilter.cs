using System.Buffers;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>|= ip("…")</c>: the line contains a token that is an IP address inside the range. Tokens are maximal runs of
/// hex digits, dots and colons, checked only when they contain a dot or colon.
/// </summary>
internal sealed class IpLineFilter(IpRange range) : LineFilter
{
    private static readonly SearchValues<byte> IpChars = SearchValues.Create("0123456789abcdefABCDEF.:"u8);

    public override bool Matches(ReadOnlySpan<byte> line)
    {
        Span<char> token = stackalloc char[48];
        var i = 0;
        while (i < line.Length)
        {
            var start = line[i..].IndexOfAny(IpChars);
            if (start < 0)
                return false;
            start += i;
            var len = line[start..].IndexOfAnyExcept(IpChars);
            var end = len < 0 ? line.Length : start + len;
            var run = line[start..end];
            if (run.Length is >= 3 and <= 45 && (run.Contains((byte)'.') || run.Contains((byte)':')))
            {
                for (var k = 0; k < run.Length; k++)
                    token[k] = (char)run[k];
                if (range.Contains(token[..run.Length]))
                    return true;
            }
            i = end;
        }
        return false;
    }
}
