using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.Agent.Discovery;

/// <summary>
/// A <c>__path__</c> glob as Promtail (doublestar) reads it: <c>*</c> and <c>?</c> within one path segment,
/// <c>**</c> across segments, <c>[abc]</c>/<c>[!abc]</c> classes and <c>{a,b}</c> alternatives. Expands to the regular
/// files that exist now.
/// </summary>
public sealed class PathGlob
{
    private readonly Regex _regex;

    public PathGlob(string pattern)
    {
        Pattern = pattern;
        var meta = pattern.IndexOfAny(['*', '?', '[', '{']);
        if (meta < 0)
        {
            BaseDirectory = Path.GetDirectoryName(pattern) ?? "/";
            Recursive = false;
            Depth = 1;
        }
        else
        {
            var slash = pattern.LastIndexOf('/', meta);
            BaseDirectory = slash <= 0 ? (slash == 0 ? "/" : ".") : pattern[..slash];
            var rest = pattern[(slash + 1)..];
            Recursive = rest.Contains("**", StringComparison.Ordinal);
            Depth = rest.Count(c => c == '/') + 1;
        }
        _regex = new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant);
    }

    public string Pattern { get; }
    public string BaseDirectory { get; }
    public bool Recursive { get; }
    public int Depth { get; }

    public bool IsMatch(string path) => _regex.IsMatch(path);

    /// <summary>Existing regular files that match, in ordinal order.</summary>
    public IReadOnlyList<string> Expand()
    {
        var result = new List<string>();
        if (BaseDirectory == Pattern || !Pattern.AsSpan().ContainsAny(['*', '?', '[', '{']))
        {
            if (File.Exists(Pattern))
                result.Add(Pattern);
            return result;
        }
        if (!Directory.Exists(BaseDirectory))
            return result;
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = Recursive || Depth > 1,
            MaxRecursionDepth = Recursive ? int.MaxValue : Depth - 1,
            IgnoreInaccessible = true,
            AttributesToSkip = 0,
            ReturnSpecialDirectories = false,
        };
        try
        {
            foreach (var f in Directory.EnumerateFiles(BaseDirectory, "*", options))
                if (_regex.IsMatch(f))
                    result.Add(f);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static string ToRegex(string glob)
    {
        var sb = new StringBuilder();
        var braces = 0;
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*':
                    if (i + 1 < glob.Length && glob[i + 1] == '*')
                    {
                        i++;
                        if (i + 1 < glob.Length && glob[i + 1] == '/')
                        {
                            i++;
                            sb.Append("(?:.*/)?");
                        }
                        else
                        {
                            sb.Append(".*");
                        }
                    }
                    else
                    {
                        sb.Append("[^/]*");
                    }
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                {
                    var close = glob.IndexOf(']', i + 2);
                    if (close < 0)
                    {
                        sb.Append("\\[");
                        break;
                    }
                    var body = glob[(i + 1)..close];
                    if (body.StartsWith('!') || body.StartsWith('^'))
                        body = "^" + body[1..];
                    sb.Append('[').Append(body.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                    break;
                }
                case '{':
                    braces++;
                    sb.Append("(?:");
                    break;
                case '}' when braces > 0:
                    braces--;
                    sb.Append(')');
                    break;
                case ',' when braces > 0:
                    sb.Append('|');
                    break;
                case '\\' when i + 1 < glob.Length:
                    sb.Append(Regex.Escape(glob[++i].ToString()));
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return sb.ToString();
    }
}
