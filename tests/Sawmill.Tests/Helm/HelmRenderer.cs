using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sawmill.GoCompat;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Sawmill.Tests.Helm;

/// <summary>
/// Renders a Helm chart as <c>helm template</c> does, for tests (Helm is not packaged for Debian): values.yaml merged
/// with the given values (maps merge, everything else is replaced) and <c>--set</c> overrides; every template with
/// <c>.Values</c>, <c>.Release</c>, <c>.Chart</c>, <c>.Template</c>; named templates from <c>define</c> blocks in any file
/// (<c>include</c>); Helm's <c>&lt;no value&gt;</c> → "" rule; and the Helm and sprig functions the sawmill chart uses on
/// top of the repository's Go text/template implementation (<see cref="GoTemplate"/> with Go's builtins and
/// <see cref="SprigFunctions.Sprig"/>: string, math, <c>indent</c>/<c>nindent</c>/<c>trunc</c> …).
/// </summary>
internal sealed partial class HelmRenderer
{
    private readonly string _chartDir;
    private readonly Dictionary<string, GoTemplate> _named = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _chart;
    private readonly TemplateFunctionSet _functions;

    public HelmRenderer(string chartDir)
    {
        _chartDir = chartDir;
        _functions = TemplateFunctionSet.Builtins.With(SprigFunctions.Sprig)
            .With(HelmFunctions.Select(n => KeyValuePair.Create<string, TemplateFunction>(n, (_, a) => Call(n, a))));
        var chart = (Dictionary<string, object?>)ToObject(LoadYaml(File.ReadAllText(Path.Combine(chartDir, "Chart.yaml"))))!;
        _chart = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Name"] = chart["name"],
            ["Version"] = chart["version"],
            ["AppVersion"] = chart["appVersion"],
        };
        foreach (var file in Directory.GetFiles(Path.Combine(chartDir, "templates")).Order(StringComparer.Ordinal))
            foreach (var (name, body) in DefineBlocks(File.ReadAllText(file)))
                _named[name] = GoTemplate.Parse(body, _functions);
    }

    /// <summary>The rendered manifests (file name → text) and NOTES.txt.</summary>
    public sealed record Output(Dictionary<string, string> Files, string Notes)
    {
        /// <summary>Every non-empty YAML document of every file, parsed.</summary>
        public List<YamlMappingNode> Objects()
        {
            var list = new List<YamlMappingNode>();
            foreach (var (_, text) in Files.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(text));
                foreach (var doc in stream.Documents)
                    if (doc.RootNode is YamlMappingNode m && m.Children.Count > 0)
                        list.Add(m);
            }
            return list;
        }
    }

    /// <summary>
    /// Renders the chart. <paramref name="valuesYaml"/> are values files (in order, later wins), <paramref name="set"/>
    /// are <c>--set a.b=c</c> overrides.
    /// </summary>
    /// <exception cref="TemplateException">A template failed (e.g. <c>fail</c>), with Helm's "execution error" wording.</exception>
    public Output Render(string releaseName, string ns, IEnumerable<string>? valuesYaml = null, IEnumerable<string>? set = null)
    {
        var values = (Dictionary<string, object?>)ToObject(LoadYaml(File.ReadAllText(Path.Combine(_chartDir, "values.yaml"))))!;
        foreach (var y in valuesYaml ?? [])
            if (ToObject(LoadYaml(y)) is Dictionary<string, object?> user)
                Merge(values, user);
        foreach (var s in set ?? [])
            Set(values, s);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var notes = "";
        foreach (var file in Directory.GetFiles(Path.Combine(_chartDir, "templates")).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('_'))
                continue;
            var dot = Dot(values, releaseName, ns, "sawmill/templates/" + name);
            string text;
            try
            {
                text = GoTemplate.Parse(WithoutDefines(File.ReadAllText(file)), _functions).Execute(dot);
            }
            catch (TemplateException e)
            {
                throw new TemplateException($"execution error at (sawmill/templates/{name}): {e.Message}");
            }
            text = text.Replace("<no value>", "", StringComparison.Ordinal);
            if (name == "NOTES.txt")
                notes = text;
            else
                files[name] = text;
        }
        return new Output(files, notes);
    }

    private Dictionary<string, object?> Dot(Dictionary<string, object?> values, string release, string ns, string template) => new(StringComparer.Ordinal)
    {
        ["Values"] = values,
        ["Release"] = new Dictionary<string, object?> { ["Name"] = release, ["Namespace"] = ns, ["Service"] = "Helm", ["IsInstall"] = true, ["IsUpgrade"] = false, ["Revision"] = 1L },
        ["Chart"] = _chart,
        ["Template"] = new Dictionary<string, object?> { ["Name"] = template, ["BasePath"] = "sawmill/templates" },
        ["Capabilities"] = new Dictionary<string, object?> { ["KubeVersion"] = new Dictionary<string, object?> { ["Version"] = "v1.30.0" } },
    };

    /// <summary>The Helm and sprig functions added to sprig's string/math set; <c>default</c> with sprig's notion of empty.</summary>
    private static readonly string[] HelmFunctions = ["include", "toYaml", "quote", "squote", "list", "dict", "set", "hasKey", "append",
        "deepCopy", "sha256sum", "toString", "fail", "required", "empty", "keys", "default"];

    private object? Call(string name, object?[] a)
    {
        switch (name)
        {
            case "include":
                Arity(a, 2, name);
                var tname = GoTemplate.Print(a[0]);
                if (!_named.TryGetValue(tname, out var t))
                    throw new TemplateException($"error calling include: template: no template \"{tname}\" associated with template \"gotpl\"");
                return t.Execute(a[1]).Replace("<no value>", "", StringComparison.Ordinal);
            case "toYaml":
                Arity(a, 1, name);
                return ToYaml(a[0]);
            case "quote":
                return string.Join(" ", a.Where(x => x != null).Select(x => GoTemplate.Sprintf("%q", Str(x))));
            case "squote":
                return string.Join(" ", a.Where(x => x != null).Select(x => "'" + Str(x) + "'"));
            case "list":
                return a.ToList();
            case "dict":
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i + 1 < a.Length; i += 2)
                    d[Str(a[i])] = a[i + 1];
                return d;
            case "set":
                Arity(a, 3, name);
                Map(a[0], name)[Str(a[1])] = a[2];
                return a[0];
            case "hasKey":
                Arity(a, 2, name);
                return Map(a[0], name).ContainsKey(Str(a[1]));
            case "append":
                Arity(a, 2, name);
                var list = a[0] is IList l ? l.Cast<object?>().ToList() : a[0] == null ? [] : throw new TemplateException($"error calling append: cannot append to type {GoTemplate.Print(a[0])}");
                list.Add(a[1]);
                return list;
            case "deepCopy":
                Arity(a, 1, name);
                return DeepCopy(a[0]);
            case "sha256sum":
                Arity(a, 1, name);
                return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Str(a[0]))));
            case "toString":
                Arity(a, 1, name);
                return Str(a[0]);
            case "fail":
                Arity(a, 1, name);
                throw new TemplateException("error calling fail: " + Str(a[0]));
            case "required":
                Arity(a, 2, name);
                return Empty(a[1]) ? throw new TemplateException("error calling required: " + Str(a[0])) : a[1];
            case "empty":
                Arity(a, 1, name);
                return Empty(a[0]);
            case "keys":
                return a.SelectMany(x => Map(x, name).Keys).Order(StringComparer.Ordinal).Cast<object?>().ToList();
            case "default":
                // sprig: the default unless the value is given and not empty.
                if (a.Length < 2)
                    return a.Length == 1 ? a[0] : null;
                return Empty(a[1]) ? a[0] : a[1];
            default:
                throw new TemplateException($"function \"{name}\" not defined");
        }
    }

    private static void Arity(object?[] a, int n, string name)
    {
        if (a.Length != n)
            throw new TemplateException($"wrong number of args for {name}: want {n} got {a.Length}");
    }

    private static string Str(object? v) => v == null ? "" : GoTemplate.Print(v);

    private static IDictionary<string, object?> Map(object? v, string fn) =>
        v as IDictionary<string, object?> ?? throw new TemplateException($"error calling {fn}: expected a map, got {(v == null ? "nil" : v.GetType().Name)}");

    private static bool Empty(object? v) => v switch
    {
        null => true,
        string s => s.Length == 0,
        bool b => !b,
        long l => l == 0,
        int i => i == 0,
        double d => d == 0,
        ICollection c => c.Count == 0,
        _ => false,
    };

    private static object? DeepCopy(object? v) => v switch
    {
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => DeepCopy(kv.Value), StringComparer.Ordinal),
        IList l => l.Cast<object?>().Select(DeepCopy).ToList(),
        _ => v,
    };

    /// <summary>Helm's toYaml: block YAML, map keys sorted, strings quoted where they would read as another type, no final newline.</summary>
    public static string ToYaml(object? v)
    {
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().WithIndentedSequences().Build();
        return serializer.Serialize(Sorted(v)).TrimEnd('\n');
    }

    private static object? Sorted(object? v) => v switch
    {
        IDictionary<string, object?> d => new SortedDictionary<string, object?>(d.ToDictionary(kv => kv.Key, kv => Sorted(kv.Value)), StringComparer.Ordinal),
        IList l => l.Cast<object?>().Select(Sorted).ToList(),
        _ => v,
    };

    /// <summary>The <c>define</c> blocks of a template file: name and body (with the trim markers of the define and end actions applied).</summary>
    private static IEnumerable<(string Name, string Body)> DefineBlocks(string text)
    {
        foreach (var (name, bodyStart, bodyEnd, trimStart, trimEnd, _, _) in DefineSpans(text))
        {
            var body = text[bodyStart..bodyEnd];
            if (trimStart)
                body = body.TrimStart();
            if (trimEnd)
                body = body.TrimEnd();
            yield return (name, body);
        }
    }

    /// <summary>The file without its define blocks (what Helm renders of a file that also defines templates).</summary>
    private static string WithoutDefines(string text)
    {
        var sb = new StringBuilder();
        var at = 0;
        foreach (var (_, _, _, _, _, start, end) in DefineSpans(text))
        {
            sb.Append(text, at, start - at);
            at = end;
        }
        sb.Append(text, at, text.Length - at);
        return sb.ToString();
    }

    private static List<(string Name, int BodyStart, int BodyEnd, bool TrimStart, bool TrimEnd, int Start, int End)> DefineSpans(string text)
    {
        var spans = new List<(string, int, int, bool, bool, int, int)>();
        var actions = ActionRegex().Matches(text);
        for (var i = 0; i < actions.Count; i++)
        {
            var m = actions[i];
            var word = m.Groups["body"].Value.Trim();
            var define = DefineRegex().Match(word);
            if (!define.Success)
                continue;
            // Find the matching {{end}}: count the blocks opened in between.
            var depth = 1;
            var j = i + 1;
            for (; j < actions.Count; j++)
            {
                var w = actions[j].Groups["body"].Value.Trim();
                var first = w.Split([' ', '\t', '\n', '('], 2)[0];
                if (first is "if" or "range" or "with" or "define" or "block")
                    depth++;
                else if (first == "end" && --depth == 0)
                    break;
            }
            if (j == actions.Count)
                throw new ArgumentException($"template: unexpected EOF in define \"{define.Groups[1].Value}\"");
            var end = actions[j];
            var start = m.Index;
            if (m.Value.StartsWith("{{-", StringComparison.Ordinal))
                while (start > 0 && char.IsWhiteSpace(text[start - 1]))
                    start--;
            var stop = end.Index + end.Length;
            if (end.Value.EndsWith("-}}", StringComparison.Ordinal))
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                    stop++;
            spans.Add((define.Groups[1].Value, m.Index + m.Length, end.Index, m.Value.EndsWith("-}}", StringComparison.Ordinal),
                end.Value.StartsWith("{{-", StringComparison.Ordinal), start, stop));
            i = j;
        }
        return spans;
    }

    [GeneratedRegex(@"\{\{-?(?<body>(?:[^}""`]|""(?:[^""\\]|\\.)*""|`[^`]*`|\}(?!\}))*?)-?\}\}", RegexOptions.Singleline)]
    private static partial Regex ActionRegex();

    [GeneratedRegex(@"^define\s+""([^""]+)""$")]
    private static partial Regex DefineRegex();

    public static YamlNode? LoadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    /// <summary>A YAML tree as Helm sees values: maps, lists, and scalars typed by YAML's core schema.</summary>
    public static object? ToObject(YamlNode? node) => node switch
    {
        null => null,
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ToObject(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(ToObject).ToList(),
        YamlScalarNode sc => Scalar(sc),
        _ => null,
    };

    private static object? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is not YamlDotNet.Core.ScalarStyle.Plain)
            return v;
        if (v is "" or "~" or "null" or "Null" or "NULL")
            return null;
        if (v is "true" or "True" or "TRUE")
            return true;
        if (v is "false" or "False" or "FALSE")
            return false;
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return l;
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && v.Any(char.IsDigit))
            return d;
        return v;
    }

    private static void Merge(Dictionary<string, object?> into, Dictionary<string, object?> from)
    {
        foreach (var (k, v) in from)
        {
            if (v is Dictionary<string, object?> fm && into.TryGetValue(k, out var existing) && existing is Dictionary<string, object?> im)
                Merge(im, fm);
            else
                into[k] = v;
        }
    }

    /// <summary><c>--set a.b.c=value</c> (value typed as YAML would type it).</summary>
    private static void Set(Dictionary<string, object?> values, string assignment)
    {
        var eq = assignment.IndexOf('=');
        var path = assignment[..eq].Split('.');
        var value = Scalar(new YamlScalarNode(assignment[(eq + 1)..]) { Style = YamlDotNet.Core.ScalarStyle.Plain });
        var map = values;
        foreach (var part in path[..^1])
        {
            if (map.GetValueOrDefault(part) is not Dictionary<string, object?> next)
                map[part] = next = new Dictionary<string, object?>(StringComparer.Ordinal);
            map = next;
        }
        map[path[^1]] = value;
    }
}
