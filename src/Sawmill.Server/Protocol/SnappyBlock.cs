namespace Sawmill.Server.Protocol;

/// <summary>
/// Checks a snappy block (the raw format Loki's push uses) the way Go's snappy.Decode does before it is trusted: every
/// element well-formed, every copy within what was already produced, and the elements ending exactly at the end of the
/// input and at the announced length. A body with bytes after its last element, which a lenient decoder ignores, is
/// corrupt for Loki.
/// </summary>
public static class SnappyBlock
{
    /// <summary>The announced uncompressed length, or -1 when the block is not valid.</summary>
    public static int ValidLength(ReadOnlySpan<byte> src)
    {
        ulong decoded = 0;
        var i = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (i >= src.Length || shift > 63)
                return -1;
            var b = src[i++];
            decoded |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                break;
        }
        if (decoded > int.MaxValue)
            return -1;
        long produced = 0;
        while (i < src.Length)
        {
            var tag = src[i++];
            long length, offset;
            switch (tag & 3)
            {
                case 0:
                    length = tag >> 2;
                    if (length >= 60)
                    {
                        var extra = (int)length - 59;
                        if (i + extra > src.Length)
                            return -1;
                        length = 0;
                        for (var k = 0; k < extra; k++)
                            length |= (long)src[i + k] << (8 * k);
                        i += extra;
                    }
                    length++;
                    if (length > src.Length - i || produced + length > (long)decoded)
                        return -1;
                    i += (int)length;
                    produced += length;
                    continue;
                case 1:
                    if (i >= src.Length)
                        return -1;
                    length = 4 + ((tag >> 2) & 7);
                    offset = ((tag & 0xE0) << 3) | src[i++];
                    break;
                case 2:
                    if (i + 2 > src.Length)
                        return -1;
                    length = 1 + (tag >> 2);
                    offset = src[i] | (src[i + 1] << 8);
                    i += 2;
                    break;
                default:
                    if (i + 4 > src.Length)
                        return -1;
                    length = 1 + (tag >> 2);
                    offset = src[i] | ((long)src[i + 1] << 8) | ((long)src[i + 2] << 16) | ((long)src[i + 3] << 24);
                    i += 4;
                    break;
            }
            if (offset <= 0 || offset > produced || produced + length > (long)decoded)
                return -1;
            produced += length;
        }
        return produced == (long)decoded ? (int)decoded : -1;
    }
}
