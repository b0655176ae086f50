using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's <c>regexp.Expand</c>: <c>$1</c>, <c>${1}</c>, <c>$name</c>, <c>${name}</c>, <c>$$</c>. As in Go, <c>$name</c>
/// takes the longest run of letters, digits and underscores, so <c>$1_x</c> names group "1_x" (empty) — the
/// behaviour Prometheus documents and users rely on writing <c>${1}_x</c>. Used by LogQL's <c>label_replace</c> and the
/// agent's relabelling and templates.
/// </summary>
public static class GoRegexpExpand
{
    public static string Expand(string template, Match match)
    {
        if (template.IndexOf('$') < 0)
            return template;
        var sb = new StringBuilder(template.Length + 16);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c != '$' || i + 1 >= template.Length)
            {
                sb.Append(c);
                continue;
            }
            var n = template[i + 1];
            if (n == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            string name;
            if (n == '{')
            {
                var close = template.IndexOf('}', i + 2);
                if (close < 0 || !IsName(template.AsSpan(i + 2, close - i - 2)))
                {
                    sb.Append(c);
                    continue;
                }
                name = template[(i + 2)..close];
                i = close;
            }
            else
            {
                var j = i + 1;
                while (j < template.Length && (char.IsAsciiLetterOrDigit(template[j]) || template[j] == '_'))
                    j++;
                if (j == i + 1)
                {
                    sb.Append(c);
                    continue;
                }
                name = template[(i + 1)..j];
                i = j - 1;
            }
            var g = int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var num)
                ? (num < match.Groups.Count ? match.Groups[num] : null)
                : match.Groups[name];
            if (g is { Success: true })
                sb.Append(g.Value);
        }
        return sb.ToString();
    }

    private static bool IsName(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (var c in s)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }
}
