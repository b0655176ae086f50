namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| decolorize</c>: removes ANSI escape sequences (CSI sequences such as colours <c>ESC[31m</c>, and OSC
/// sequences ended by BEL) from the line. Lines without ESC/CSI bytes pass through untouched.
/// </summary>
public sealed class DecolorizeStage : Stage
{
    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var first = line.IndexOfAny((byte)0x1B, (byte)0x9B);
        if (first < 0)
            return true;
        var buffer = entry.RentLineBuffer(line.Length);
        line[..first].CopyTo(buffer);
        var o = first;
        var i = first;
        while (i < line.Length)
        {
            var c = line[i];
            if (c is 0x1B or 0x9B)
            {
                var end = SequenceEnd(line, i);
                if (end > i)
                {
                    i = end;
                    continue;
                }
            }
            buffer[o++] = c;
            i++;
        }
        line = buffer.AsSpan(0, o);
        return true;
    }

    /// <summary>The index after the escape sequence starting at <paramref name="i"/>, or <paramref name="i"/> when none.</summary>
    private static int SequenceEnd(ReadOnlySpan<byte> s, int i)
    {
        var j = i + 1;
        // Intermediate bytes: [ ] ( ) # ; ?
        while (j < s.Length && s[j] is (byte)'[' or (byte)']' or (byte)'(' or (byte)')' or (byte)'#' or (byte)';' or (byte)'?')
            j++;
        // OSC-like: alphanumerics and ';' ended by BEL.
        var k = j;
        while (k < s.Length && (char.IsAsciiLetterOrDigit((char)s[k]) || s[k] == ';'))
            k++;
        if (k < s.Length && s[k] == 0x07)
            return k + 1;
        // CSI: up to 4 digits, (';' up to 4 digits)*, then a final byte.
        k = j;
        while (k < s.Length && (char.IsAsciiDigit((char)s[k]) || s[k] == ';'))
            k++;
        if (k < s.Length && IsFinal(s[k]))
            return k + 1;
        return i;
    }

    private static bool IsFinal(byte b) =>
        char.IsAsciiDigit((char)b) || b is >= (byte)'A' and <= (byte)'P' or (byte)'R' or (byte)'Z' or (byte)'c' or >= (byte)'f' and <= (byte)'n'
            or (byte)'q' or (byte)'r' or (byte)'y' or (byte)'t' or (byte)'=' or (byte)'>' or (byte)'<' or (byte)'~';
}
