using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// A JSON extraction path of <c>| json label="expr"</c>: <c>a.b</c>, <c>a[0]</c>, <c>a["key with spaces"]</c>,
/// <c>["a"].b[1]</c>, as Loki reads it (<see cref="ExtractionExpressions.ParseJsonPath"/>). Segments are object keys
/// (UTF-8) or array indexes. Immutable.
/// </summary>
internal sealed class JsonPath
{
    private JsonPath(object[] segments) => Segments = segments;

    /// <summary>Each element is a <c>byte[]</c> key or an <c>int</c> index.</summary>
    public object[] Segments { get; }

    /// <exception cref="ArgumentException">The expression does not parse (Loki's error).</exception>
    public static JsonPath Parse(string expr) =>
        new(ExtractionExpressions.ParseJsonPath(expr)
            .Select(x => x is string key ? Encoding.UTF8.GetBytes(key) : x)
            .ToArray());

    /// <summary>Finds the value the path names; returns its byte range in <paramref name="json"/> or false.</summary>
    public bool TryFind(ReadOnlySpan<byte> json, ref byte[] keyScratch, out int start, out int end)
    {
        start = end = 0;
        var i = JsonScanner.SkipWhitespace(json, 0);
        foreach (var seg in Segments)
        {
            if (i >= json.Length)
                return false;
            if (seg is int index)
            {
                if (json[i] != '[')
                    return false;
                i = JsonScanner.SkipWhitespace(json, i + 1);
                for (var k = 0; ; k++)
                {
                    if (i >= json.Length || json[i] == ']')
                        return false;
                    if (k == index)
                        break;
                    i = AfterValueAndComma(json, i);
                    if (i < 0)
                        return false;
                }
            }
            else
            {
                var key = (byte[])seg;
                if (json[i] != '{')
                    return false;
                i = JsonScanner.SkipWhitespace(json, i + 1);
                while (true)
                {
                    if (i >= json.Length || json[i] != '"')
                        return false;
                    var ke = JsonScanner.StringEnd(json, i + 1, out var escaped);
                    if (ke < 0)
                        return false;
                    var k = json[(i + 1)..ke];
                    if (escaped && JsonScanner.Unescape(k, ref keyScratch, out var kl))
                        k = keyScratch.AsSpan(0, kl);
                    var match = k.SequenceEqual(key);
                    i = JsonScanner.SkipWhitespace(json, ke + 1);
                    if (i >= json.Length || json[i] != ':')
                        return false;
                    i = JsonScanner.SkipWhitespace(json, i + 1);
                    if (match)
                        break;
                    i = AfterValueAndComma(json, i);
                    if (i < 0)
                        return false;
                }
            }
        }
        var e = JsonScanner.SkipValue(json, i);
        if (e < 0)
            return false;
        start = i;
        end = e;
        return true;
    }

    /// <summary>
    /// Skips the value at <paramref name="i"/> and the comma after it (with the whitespace around): the start of the next
    /// element or member, or -1 when the value is malformed or is the last one.
    /// </summary>
    private static int AfterValueAndComma(ReadOnlySpan<byte> json, int i)
    {
        i = JsonScanner.SkipValue(json, i);
        if (i < 0)
            return -1;
        i = JsonScanner.SkipWhitespace(json, i);
        if (i >= json.Length || json[i] != ',')
            return -1;
        return JsonScanner.SkipWhitespace(json, i + 1);
    }
}
