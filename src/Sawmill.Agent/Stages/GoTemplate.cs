using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// The part of Go's text/template that Promtail's <c>template</c>, <c>replace</c> and <c>tenant</c> stages use:
/// <c>{{ .Field }}</c>, <c>{{ . }}</c>, string/number literals, pipelines with <c>|</c>, <c>{{ if }} {{ else }} {{ end }}</c>,
/// trim markers <c>{{-</c> <c>-}}</c>, and Promtail's functions (ToLower, ToUpper, Replace, Trim*, regexReplaceAll,
/// regexReplaceAllLiteral, Hash, Sha2Hash, default, contains, hasPrefix, hasSuffix, eq, ne, not, and, or, len,
/// printf, unixEpoch*). Parsed once; <see cref="Execute"/> is thread-safe.
/// </summary>
public sealed class GoTemplate
{
    private abstract record Node;
    private sealed record TextNode(string Text) : Node;
    private sealed record ActionNode(List<List<string>> Pipeline) : Node;
    private sealed record IfNode(List<List<string>> Condition, List<Node> Then, List<Node> Else) : Node;

    private readonly List<Node> _nodes;

    private GoTemplate(List<Node> nodes) => _nodes = nodes;

    public static GoTemplate Parse(string text)
    {
        var pos = 0;
        var nodes = ParseList(text, ref pos, out var end);
        if (end != null)
            throw new FormatException($"template: unexpected {{{{{end}}}}}");
        Check(nodes);
        return new GoTemplate(nodes);
    }

    private static List<Node> ParseList(string text, ref int pos, out string? terminator)
    {
        var nodes = new List<Node>();
        terminator = null;
        while (pos < text.Length)
        {
            var open = text.IndexOf("{{", pos, StringComparison.Ordinal);
            if (open < 0)
            {
                nodes.Add(new TextNode(text[pos..]));
                pos = text.Length;
                break;
            }
            var literal = text[pos..open];
            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
                throw new FormatException("template: unclosed action");
            var inner = text[(open + 2)..close];
            if (inner.StartsWith("- ", StringComparison.Ordinal) || inner == "-")
            {
                literal = literal.TrimEnd();
                inner = inner[1..];
            }
            pos = close + 2;
            if (inner.EndsWith(" -", StringComparison.Ordinal))
            {
                inner = inner[..^2];
                while (pos < text.Length && char.IsWhiteSpace(text[pos]))
                    pos++;
            }
            if (literal.Length > 0)
                nodes.Add(new TextNode(literal));
            var tokens = Tokenize(inner.Trim());
            if (tokens.Count == 0 || tokens[0].StartsWith("/*", StringComparison.Ordinal))
                continue;
            if (tokens[0] is "end" or "else")
            {
                terminator = tokens[0];
                return nodes;
            }
            if (tokens[0] == "if")
            {
                var cond = SplitPipeline(tokens.GetRange(1, tokens.Count - 1));
                var then = ParseList(text, ref pos, out var t);
                var otherwise = new List<Node>();
                if (t == "else")
                    otherwise = ParseList(text, ref pos, out t);
                if (t != "end")
                    throw new FormatException("template: unexpected EOF in if");
                nodes.Add(new IfNode(cond, then, otherwise));
                continue;
            }
            nodes.Add(new ActionNode(SplitPipeline(tokens)));
        }
        return nodes;
    }

    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "ToLower", "lower", "ToUpper", "upper", "Replace", "replace", "Trim", "TrimLeft", "TrimRight", "TrimPrefix", "TrimSuffix",
        "TrimSpace", "trim", "trimPrefix", "trimSuffix", "regexReplaceAll", "regexReplaceAllLiteral", "contains", "hasPrefix",
        "hasSuffix", "default", "eq", "ne", "not", "and", "or", "len", "printf", "Hash", "hash", "Sha2Hash", "sha256",
        "unixEpoch", "unixEpochMillis", "unixEpochNanos",
    };

    /// <summary>Rejects unknown functions at load time, as Go's template parser does.</summary>
    private static void Check(List<Node> nodes)
    {
        foreach (var n in nodes)
        {
            var pipelines = n switch
            {
                ActionNode a => [a.Pipeline],
                IfNode f => new[] { f.Condition },
                _ => [],
            };
            foreach (var p in pipelines)
                foreach (var cmd in p)
                    for (var i = 0; i < cmd.Count; i++)
                        if ((i == 0 || cmd[i - 1] == "(") && IsIdentifier(cmd[i]) && !Functions.Contains(cmd[i]))
                            throw new FormatException($"template: function \"{cmd[i]}\" not defined");
            if (n is IfNode iff)
            {
                Check(iff.Then);
                Check(iff.Else);
            }
        }
    }

    private static List<List<string>> SplitPipeline(List<string> tokens)
    {
        var result = new List<List<string>> { new() };
        foreach (var t in tokens)
        {
            if (t == "|")
                result.Add([]);
            else
                result[^1].Add(t);
        }
        if (result.Exists(c => c.Count == 0))
            throw new FormatException("template: missing command in pipeline");
        return result;
    }

    private static List<string> Tokenize(string s)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '"' or '`')
            {
                var j = i + 1;
                while (j < s.Length && s[j] != c)
                    j += s[j] == '\\' && c == '"' ? 2 : 1;
                if (j >= s.Length)
                    throw new FormatException("template: unterminated quoted string");
                tokens.Add(s[i..(j + 1)]);
                i = j + 1;
                continue;
            }
            if (c is '|' or '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
                continue;
            }
            var k = i;
            while (k < s.Length && !char.IsWhiteSpace(s[k]) && s[k] is not ('|' or '(' or ')'))
                k++;
            tokens.Add(s[i..k]);
            i = k;
        }
        return tokens;
    }

    public string Execute(IReadOnlyDictionary<string, object?> data)
    {
        var sb = new StringBuilder();
        Run(_nodes, data, sb);
        return sb.ToString();
    }

    private static void Run(List<Node> nodes, IReadOnlyDictionary<string, object?> data, StringBuilder sb)
    {
        foreach (var n in nodes)
        {
            switch (n)
            {
                case TextNode t:
                    sb.Append(t.Text);
                    break;
                case ActionNode a:
                    sb.Append(Print(EvalPipeline(a.Pipeline, data)));
                    break;
                case IfNode f:
                    Run(Truthy(EvalPipeline(f.Condition, data)) ? f.Then : f.Else, data, sb);
                    break;
            }
        }
    }

    private static object? EvalPipeline(List<List<string>> pipeline, IReadOnlyDictionary<string, object?> data)
    {
        object? value = null;
        var first = true;
        foreach (var cmd in pipeline)
        {
            value = EvalCommand(cmd, data, first ? null : new[] { value });
            first = false;
        }
        return value;
    }

    private static object? EvalCommand(List<string> cmd, IReadOnlyDictionary<string, object?> data, object?[]? piped)
    {
        // Parenthesised sub-expressions are flattened: (f a b) evaluated into one argument.
        var args = new List<object?>();
        string? func = null;
        for (var i = 0; i < cmd.Count; i++)
        {
            var t = cmd[i];
            if (t == "(")
            {
                var depth = 1;
                var j = i + 1;
                while (j < cmd.Count && depth > 0)
                {
                    if (cmd[j] == "(")
                        depth++;
                    else if (cmd[j] == ")")
                        depth--;
                    j++;
                }
                var sub = cmd.GetRange(i + 1, j - i - 2);
                args.Add(EvalPipeline(SplitPipeline(sub), data));
                i = j - 1;
                continue;
            }
            if (i == 0 && IsIdentifier(t))
            {
                func = t;
                continue;
            }
            args.Add(Operand(t, data));
        }
        if (piped != null)
            args.AddRange(piped);
        if (func == null)
            return args.Count == 1 ? args[0] : throw new FormatException("template: can't give argument to non-function");
        return Call(func, args);
    }

    private static bool IsIdentifier(string t) => t.Length > 0 && char.IsAsciiLetter(t[0]) && t is not ("true" or "false" or "nil");

    private static object? Operand(string t, IReadOnlyDictionary<string, object?> data)
    {
        if (t == ".")
            return data;
        if (t[0] == '.')
        {
            object? cur = data;
            foreach (var part in t[1..].Split('.'))
            {
                cur = cur switch
                {
                    IReadOnlyDictionary<string, object?> rd => rd.GetValueOrDefault(part),
                    IDictionary<string, object?> d2 => d2.TryGetValue(part, out var x) ? x : null,
                    _ => null,
                };
            }
            return cur;
        }
        if (t[0] == '"')
            return Unquote(t);
        if (t[0] == '`')
            return t[1..^1];
        if (t == "true")
            return true;
        if (t == "false")
            return false;
        if (t == "nil")
            return null;
        if (long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
            return l;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return d;
        throw new FormatException($"template: unexpected \"{t}\"");
    }

    private static string S(object? v) => Print(v);

    private static string Unquote(string t)
    {
        var sb = new StringBuilder(t.Length);
        for (var i = 1; i < t.Length - 1; i++)
        {
            var c = t[i];
            if (c == '\\' && i + 1 < t.Length - 1)
            {
                c = t[++i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var x => x };
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static object? Call(string name, List<object?> a)
    {
        string Arg(int i) => i < a.Count ? S(a[i]) : throw new FormatException($"template: wrong number of args for {name}");
        return name switch
        {
            "ToLower" or "lower" => Arg(0).ToLowerInvariant(),
            "ToUpper" or "upper" => Arg(0).ToUpperInvariant(),
            "Replace" => ReplaceN(Arg(0), Arg(1), Arg(2), a.Count > 3 ? Convert.ToInt32(a[3], CultureInfo.InvariantCulture) : -1),
            "replace" => Arg(2).Replace(Arg(0), Arg(1), StringComparison.Ordinal),
            "Trim" => Arg(0).Trim(Arg(1).ToCharArray()),
            "TrimLeft" => Arg(0).TrimStart(Arg(1).ToCharArray()),
            "TrimRight" => Arg(0).TrimEnd(Arg(1).ToCharArray()),
            "TrimPrefix" => Arg(0).StartsWith(Arg(1), StringComparison.Ordinal) ? Arg(0)[Arg(1).Length..] : Arg(0),
            "TrimSuffix" => Arg(0).EndsWith(Arg(1), StringComparison.Ordinal) ? Arg(0)[..^Arg(1).Length] : Arg(0),
            "TrimSpace" or "trim" => Arg(0).Trim(),
            "trimPrefix" => Arg(1).StartsWith(Arg(0), StringComparison.Ordinal) ? Arg(1)[Arg(0).Length..] : Arg(1),
            "trimSuffix" => Arg(1).EndsWith(Arg(0), StringComparison.Ordinal) ? Arg(1)[..^Arg(0).Length] : Arg(1),
            "regexReplaceAll" => Re2.Compile(Arg(0), anchored: false).Replace(Arg(1), m => GoRegexpExpand.Expand(Arg(2), m)),
            "regexReplaceAllLiteral" => Re2.Compile(Arg(0), anchored: false).Replace(Arg(1), _ => Arg(2)),
            "contains" => Arg(1).Contains(Arg(0), StringComparison.Ordinal),
            "hasPrefix" => Arg(1).StartsWith(Arg(0), StringComparison.Ordinal),
            "hasSuffix" => Arg(1).EndsWith(Arg(0), StringComparison.Ordinal),
            "default" => a.Count > 1 && Truthy(a[1]) ? a[1] : a[0],
            "eq" => a.Count >= 2 && a.Skip(1).Any(x => S(x) == S(a[0])),
            "ne" => a.Count >= 2 && S(a[0]) != S(a[1]),
            "not" => !Truthy(a.Count > 0 ? a[0] : null),
            "and" => a.All(Truthy) ? a[^1] : a.First(x => !Truthy(x)),
            "or" => a.FirstOrDefault(Truthy) ?? a.LastOrDefault(),
            "len" => (long)Arg(0).Length,
            "printf" => Printf(Arg(0), a.Skip(1).ToList()),
            "Hash" or "hash" => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(Arg(a.Count - 1) + (a.Count > 1 ? Arg(0) : "")))),
            "Sha2Hash" or "sha256" => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(Arg(a.Count - 1) + (a.Count > 1 ? Arg(0) : "")))),
            "unixEpoch" => (TimeNs.Now() / TimeNs.PerSecond).ToString(CultureInfo.InvariantCulture),
            "unixEpochMillis" => (TimeNs.Now() / TimeNs.PerMillisecond).ToString(CultureInfo.InvariantCulture),
            "unixEpochNanos" => TimeNs.Now().ToString(CultureInfo.InvariantCulture),
            _ => throw new FormatException($"template: function \"{name}\" not defined"),
        };
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static string ReplaceN(string s, string old, string @new, int n)
    {
        if (n < 0 || old.Length == 0)
            return s.Replace(old, @new, StringComparison.Ordinal);
        var sb = new StringBuilder();
        var pos = 0;
        for (var i = 0; i < n; i++)
        {
            var idx = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (idx < 0)
                break;
            sb.Append(s, pos, idx - pos).Append(@new);
            pos = idx + old.Length;
        }
        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static string Printf(string format, List<object?> args)
    {
        var sb = new StringBuilder();
        var ai = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length)
            {
                var verb = format[++i];
                if (verb == '%')
                    sb.Append('%');
                else
                    sb.Append(ai < args.Count ? S(args[ai++]) : "%!" + verb + "(MISSING)");
                continue;
            }
            sb.Append(format[i]);
        }
        return sb.ToString();
    }

    private static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        _ => true,
    };

    private static string Print(object? v) => v switch
    {
        null => "<no value>",
        IReadOnlyDictionary<string, object?> => "map[]",
        _ => PipelineEntry.ValueToString(v) ?? "",
    };
}
