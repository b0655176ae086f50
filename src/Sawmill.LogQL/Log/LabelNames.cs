using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>Loki's label-name rules for parsed keys: sanitising and the <c>_extracted</c> suffix for clashes with stream labels.</summary>
public static class LabelNames
{
    public const string DuplicateSuffix = "_extracted";

    /// <summary>
    /// Loki's <c>sanitizeLabelKey</c>: trims spaces, prefixes <c>_</c> when the name starts with a digit, replaces every
    /// rune outside <c>[a-zA-Z0-9_]</c> with <c>_</c> (<c>a.b</c> → <c>a_b</c>).
    /// </summary>
    public static string Sanitize(string key)
    {
        key = key.Trim();
        if (key.Length == 0)
            return key;
        var sb = new StringBuilder(key.Length + 1);
        if (char.IsAsciiDigit(key[0]))
            sb.Append('_');
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (char.IsHighSurrogate(c) && i + 1 < key.Length && char.IsLowSurrogate(key[i + 1]))
                i++;
            sb.Append(IsNameChar(c) ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>Appends a sanitised UTF-8 key to <paramref name="buffer"/> (one <c>_</c> per non-name rune; a digit first in an empty buffer gets a <c>_</c>).</summary>
    internal static int AppendSanitized(ref byte[] buffer, int length, ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
            return length;
        if (buffer.Length < length + key.Length + 1)
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + key.Length + 1));
        if (length == 0 && key[0] is >= (byte)'0' and <= (byte)'9')
            buffer[length++] = (byte)'_';
        for (var i = 0; i < key.Length; i++)
        {
            var b = key[i];
            if (b < 0x80)
                buffer[length++] = IsNameChar((char)b) ? b : (byte)'_';
            else
            {
                // One '_' per multi-byte rune: skip its continuation bytes.
                buffer[length++] = (byte)'_';
                while (i + 1 < key.Length && (key[i + 1] & 0xC0) == 0x80)
                    i++;
            }
        }
        return length;
    }

    public static bool IsValid(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
            return false;
        foreach (var c in name)
            if (!IsNameChar(c))
                return false;
        return true;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
