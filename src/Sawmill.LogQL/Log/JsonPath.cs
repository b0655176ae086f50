using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// A JSON extraction path of <c>| json label="expr"</c>: <c>a.b</c>, <c>a[0]</c>, <c>a["key with spaces"]</c>,
/// <c>["a"].b[1]</c>. Segments are object keys (UTF-8) or array indexes. Immutable.
/// </summary>
internal sealed class JsonPath
{
    private JsonPath(object[] segments) => Segments = segments;

    /// <summary>Each element is a <c>byte[]</c> key or an <c>int</c> index.</summary>
    public object[] Segments { get; }

    /// <exception cref="ArgumentException">The expression does not parse.</exception>
    public static JsonPath Parse(string expr)
    {
        var segs = new List<object>();
        var i = 0;
        var sb = new StringBuilder();
        void Fail(string why) => throw new ArgumentException($"cannot parse expression [{expr}]: {why}");
        while (i < expr.Length)
        {
            var c = expr[i];
            if (c == '.')
            {
                if (segs.Count == 0 && sb.Length == 0 || i + 1 >= expr.Length)
                    Fail("syntax error: unexpected '.'");
                i++;
                continue;
            }
            if (c == '[')
            {
                i++;
                if (i < expr.Length && expr[i] == '"')
                {
                    i++;
                    sb.Clear();
                    while (i < expr.Length && expr[i] != '"')
                    {
                        if (expr[i] == '\\' && i + 1 < expr.Length)
                            i++;
                        sb.Append(expr[i++]);
                    }
                    if (i >= expr.Length)
                        Fail("syntax error: unterminated string");
                    i++;
                    segs.Add(Encoding.UTF8.GetBytes(sb.ToString()));
                    sb.Clear();
                }
                else
                {
                    var start = i;
                    while (i < expr.Length && char.IsAsciiDigit(expr[i]))
                        i++;
                    if (i == start || !int.TryParse(expr.AsSpan(start, i - start), out var idx))
                        Fail("syntax error: expected an index or a quoted key");
                    else
                        segs.Add(idx);
                }
                if (i >= expr.Length || expr[i] != ']')
                    Fail("syntax error: expected ']'");
                i++;
                continue;
            }
            sb.Clear();
            while (i < expr.Length && expr[i] != '.' && expr[i] != '[')
            {
                var ch = expr[i];
                if (!(char.IsLetterOrDigit(ch) || ch is '_' or '-' or '@' or '$' or '/' or ':' or '+'))
                    Fail($"syntax error: unexpected '{ch}'");
                sb.Append(ch);
                i++;
            }
            segs.Add(Encoding.UTF8.GetBytes(sb.ToString()));
            sb.Clear();
        }
        if (segs.Count == 0)
            Fail("syntax error: empty expression");
        return new JsonPath(segs.ToArray());
    }

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
                    i = JsonScanner.SkipValue(json, i);
                    if (i < 0)
                        return false;
                    i = JsonScanner.SkipWhitespace(json, i);
                    if (i >= json.Length || json[i] != ',')
                        return false;
                    i = JsonScanner.SkipWhitespace(json, i + 1);
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
                    i = JsonScanner.SkipValue(json, i);
                    if (i < 0)
                        return false;
                    i = JsonScanner.SkipWhitespace(json, i);
                    if (i >= json.Length || json[i] != ',')
                        return false;
                    i = JsonScanner.SkipWhitespace(json, i + 1);
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
}
