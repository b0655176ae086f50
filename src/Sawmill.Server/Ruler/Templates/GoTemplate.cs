using System.Collections;
using System.Globalization;
using System.Text;

namespace Sawmill.Server.Ruler.Templates;

/// <summary>
/// A Go <c>text/template</c> interpreter for alert labels and annotations: text and <c>{{ }}</c> actions with trim
/// markers, comments, pipelines with <c>|</c>, variables (<c>$x := …</c>, <c>$x = …</c>), fields (<c>.Labels.job</c>,
/// <c>$labels.job</c>), parenthesised pipelines, <c>if/else if/else</c>, <c>range</c> (with <c>$k, $v :=</c>),
/// <c>with</c>, and the functions in <see cref="TemplateFunctions"/>. Missing map keys give the zero value
/// (Prometheus runs templates with <c>missingkey=zero</c>). Parse errors and execution errors throw
/// <see cref="TemplateException"/> with Go-like texts. Instances are immutable and thread-safe.
/// </summary>
internal sealed class GoTemplate
{
    private readonly List<Node> _root;

    private GoTemplate(List<Node> root) => _root = root;

    public static GoTemplate Parse(string text) => new(new Parser(text).ParseRoot());

    /// <summary>Runs the template with <paramref name="dot"/> as <c>.</c> and the given predeclared variables.</summary>
    public string Execute(object? dot, IReadOnlyDictionary<string, object?> variables, TemplateFunctions functions)
    {
        var sb = new StringBuilder();
        var scope = new Scope(null);
        scope.Vars["$"] = dot;
        foreach (var (k, v) in variables)
            scope.Vars[k] = v;
        new Exec(sb, functions).Run(_root, dot, scope);
        return sb.ToString();
    }

    // ---- AST ----
    private abstract record Node;
    private sealed record TextNode(string Text) : Node;
    private sealed record ActionNode(Pipe Pipe) : Node;
    private sealed record IfNode(Pipe Cond, List<Node> Then, List<Node>? Else, bool IsWith) : Node;
    private sealed record RangeNode(Pipe Pipe, List<Node> Body, List<Node>? Else) : Node;
    private sealed record BreakNode(bool Continue) : Node;
    private sealed record Pipe(List<string> Decl, bool Assign, List<List<Arg>> Cmds);
    private abstract record Arg;
    private sealed record FieldArg(string? Var, string[] Fields) : Arg;   // Var null = dot
    private sealed record IdentArg(string Name) : Arg;
    private sealed record ConstArg(object? Value) : Arg;
    private sealed record SubPipeArg(Pipe Pipe, string[] Fields) : Arg;

    // ---- parsing ----
    private sealed class Parser(string text)
    {
        private int _pos;
        private string _act = "";
        private int _ap;

        public List<Node> ParseRoot()
        {
            var nodes = ParseList(out var end);
            if (end != null)
                throw new TemplateException($"template: unexpected {{{{{end}}}}}");
            return nodes;
        }

        /// <summary>Parses until {{end}}/{{else…}} or EOF; <paramref name="terminator"/> is the keyword that stopped it.</summary>
        private List<Node> ParseList(out string? terminator)
        {
            var nodes = new List<Node>();
            terminator = null;
            var trimNext = false;
            while (_pos < text.Length)
            {
                var open = text.IndexOf("{{", _pos, StringComparison.Ordinal);
                var chunk = open < 0 ? text[_pos..] : text[_pos..open];
                if (trimNext)
                    chunk = chunk.TrimStart(' ', '\t', '\r', '\n');
                trimNext = false;
                var trimLeft = open >= 0 && open + 3 < text.Length && text[open + 2] == '-' && IsSpace(text[open + 3]);
                if (trimLeft)
                    chunk = chunk.TrimEnd(' ', '\t', '\r', '\n');
                if (chunk.Length > 0)
                    nodes.Add(new TextNode(chunk));
                if (open < 0)
                {
                    _pos = text.Length;
                    break;
                }
                var start = open + 2 + (trimLeft ? 2 : 0);
                var close = FindClose(start);
                if (close < 0)
                    throw new TemplateException("template: unclosed action");
                var trimRight = close >= 2 && text[close - 1] == '-' && IsSpace(text[close - 2]) && close - 1 > start;
                _act = text[start..(trimRight ? close - 1 : close)].Trim();
                _ap = 0;
                _pos = close + 2;
                trimNext = trimRight;
                if (_act.StartsWith("/*", StringComparison.Ordinal))
                {
                    if (!_act.EndsWith("*/", StringComparison.Ordinal))
                        throw new TemplateException("template: unclosed comment");
                    continue;
                }
                var word = PeekWord();
                switch (word)
                {
                    case "end":
                        terminator = "end";
                        return nodes;
                    case "else":
                        terminator = "else";
                        _ap = 4;
                        return nodes;
                    case "if" or "with":
                        _ap = word.Length;
                        nodes.Add(ParseIf(word == "with"));
                        break;
                    case "range":
                        _ap = 5;
                        nodes.Add(ParseRange());
                        break;
                    case "break" or "continue":
                        nodes.Add(new BreakNode(word == "continue"));
                        break;
                    case "define" or "template" or "block":
                        throw new TemplateException($"template: {{{{{word}}}}} is not supported in rule templates");
                    default:
                        nodes.Add(new ActionNode(ParsePipe(true)));
                        break;
                }
            }
            return nodes;
        }

        private Node ParseIf(bool isWith)
        {
            var cond = ParsePipe(true);
            var then = ParseList(out var term);
            if (term == null)
                throw new TemplateException("template: unexpected EOF in if");
            List<Node>? els = null;
            if (term == "else")
            {
                SkipWs();
                if (_act.AsSpan(_ap).StartsWith("if") && (_ap + 2 == _act.Length || IsSpace(_act[_ap + 2])))
                {
                    // else if …: the nested if consumes the shared {{end}}.
                    _ap += 2;
                    els = [ParseIf(false)];
                    return new IfNode(cond, then, els, isWith);
                }
                if (_act.AsSpan(_ap).StartsWith("with") && (_ap + 4 == _act.Length || IsSpace(_act[_ap + 4])))
                {
                    _ap += 4;
                    els = [ParseIf(true)];
                    return new IfNode(cond, then, els, isWith);
                }
                els = ParseList(out term);
                if (term != "end")
                    throw new TemplateException("template: expected end; found " + (term ?? "EOF"));
            }
            return new IfNode(cond, then, els, isWith);
        }

        private Node ParseRange()
        {
            var pipe = ParsePipe(true);
            var body = ParseList(out var term);
            if (term == null)
                throw new TemplateException("template: unexpected EOF in range");
            List<Node>? els = null;
            if (term == "else")
            {
                els = ParseList(out term);
                if (term != "end")
                    throw new TemplateException("template: expected end in range");
            }
            return new RangeNode(pipe, body, els);
        }

        private int FindClose(int from)
        {
            var inStr = '\0';
            for (var i = from; i < text.Length - 1; i++)
            {
                var c = text[i];
                if (inStr != '\0')
                {
                    if (c == '\\' && inStr == '"')
                        i++;
                    else if (c == inStr)
                        inStr = '\0';
                    continue;
                }
                if (c is '"' or '`' or '\'')
                    inStr = c;
                else if (c == '}' && text[i + 1] == '}')
                    return i;
            }
            return -1;
        }

        private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private void SkipWs()
        {
            while (_ap < _act.Length && IsSpace(_act[_ap]))
                _ap++;
        }

        private string PeekWord()
        {
            var i = 0;
            while (i < _act.Length && (char.IsAsciiLetter(_act[i])))
                i++;
            return i < _act.Length && !IsSpace(_act[i]) ? "" : _act[..i];
        }

        private Pipe ParsePipe(bool top)
        {
            var decl = new List<string>();
            var assign = false;
            SkipWs();
            // Declarations: $x := … or $k, $v := … or $x = …
            var save = _ap;
            if (_ap < _act.Length && _act[_ap] == '$')
            {
                var names = new List<string>();
                while (true)
                {
                    var name = ReadVarName();
                    names.Add(name);
                    SkipWs();
                    if (_ap < _act.Length && _act[_ap] == ',')
                    {
                        _ap++;
                        SkipWs();
                        if (_ap < _act.Length && _act[_ap] == '$')
                            continue;
                        break;
                    }
                    break;
                }
                SkipWs();
                if (Match(":="))
                    decl = names;
                else if (_ap < _act.Length && _act[_ap] == '=' && (_ap + 1 >= _act.Length || _act[_ap + 1] != '='))
                {
                    _ap++;
                    decl = names;
                    assign = true;
                }
                else
                    _ap = save;
            }
            var cmds = new List<List<Arg>>();
            while (true)
            {
                var cmd = new List<Arg>();
                while (true)
                {
                    SkipWs();
                    if (_ap >= _act.Length || _act[_ap] == '|' || _act[_ap] == ')')
                        break;
                    cmd.Add(ParseArg());
                }
                if (cmd.Count == 0)
                    throw new TemplateException("template: missing value for command");
                cmds.Add(cmd);
                SkipWs();
                if (_ap < _act.Length && _act[_ap] == '|')
                {
                    _ap++;
                    continue;
                }
                break;
            }
            if (top && _ap < _act.Length)
                throw new TemplateException($"template: unexpected \"{_act[_ap]}\" in command");
            return new Pipe(decl, assign, cmds);
        }

        private bool Match(string s)
        {
            if (string.CompareOrdinal(_act, _ap, s, 0, s.Length) == 0)
            {
                _ap += s.Length;
                return true;
            }
            return false;
        }

        private string ReadVarName()
        {
            var start = _ap;
            _ap++; // $
            while (_ap < _act.Length && (char.IsAsciiLetterOrDigit(_act[_ap]) || _act[_ap] == '_'))
                _ap++;
            return _act[start.._ap];
        }

        private string[] ReadFields()
        {
            var fields = new List<string>();
            while (_ap < _act.Length && _act[_ap] == '.' && _ap + 1 < _act.Length && (char.IsAsciiLetter(_act[_ap + 1]) || _act[_ap + 1] == '_'))
            {
                _ap++;
                var start = _ap;
                while (_ap < _act.Length && (char.IsAsciiLetterOrDigit(_act[_ap]) || _act[_ap] == '_'))
                    _ap++;
                fields.Add(_act[start.._ap]);
            }
            return fields.ToArray();
        }

        private Arg ParseArg()
        {
            var c = _act[_ap];
            if (c == '$')
            {
                var name = ReadVarName();
                return new FieldArg(name, ReadFields());
            }
            if (c == '.')
            {
                if (_ap + 1 >= _act.Length || !(char.IsAsciiLetter(_act[_ap + 1]) || _act[_ap + 1] == '_'))
                {
                    _ap++;
                    return new FieldArg(null, []);
                }
                return new FieldArg(null, ReadFields());
            }
            if (c == '(')
            {
                _ap++;
                var p = ParsePipe(false);
                SkipWs();
                if (_ap >= _act.Length || _act[_ap] != ')')
                    throw new TemplateException("template: unclosed left paren");
                _ap++;
                return new SubPipeArg(p, ReadFields());
            }
            if (c == '"')
                return new ConstArg(ReadQuoted());
            if (c == '`')
            {
                var end = _act.IndexOf('`', _ap + 1);
                if (end < 0)
                    throw new TemplateException("template: unterminated raw quoted string");
                var s = _act[(_ap + 1)..end];
                _ap = end + 1;
                return new ConstArg(s);
            }
            if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && _ap + 1 < _act.Length && (char.IsAsciiDigit(_act[_ap + 1]) || _act[_ap + 1] == '.')))
                return new ConstArg(ReadNumber());
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = _ap;
                while (_ap < _act.Length && (char.IsAsciiLetterOrDigit(_act[_ap]) || _act[_ap] == '_'))
                    _ap++;
                var word = _act[start.._ap];
                return word switch
                {
                    "true" => new ConstArg(true),
                    "false" => new ConstArg(false),
                    "nil" => new ConstArg(null),
                    _ => new IdentArg(word),
                };
            }
            throw new TemplateException($"template: unexpected \"{c}\" in operand");
        }

        private string ReadQuoted()
        {
            var sb = new StringBuilder();
            _ap++;
            while (_ap < _act.Length && _act[_ap] != '"')
            {
                var c = _act[_ap++];
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (_ap >= _act.Length)
                    break;
                var e = _act[_ap++];
                sb.Append(e switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    _ => throw new TemplateException($"template: unknown escape sequence \\{e}"),
                });
            }
            if (_ap >= _act.Length)
                throw new TemplateException("template: unterminated quoted string");
            _ap++;
            return sb.ToString();
        }

        private object ReadNumber()
        {
            var start = _ap;
            _ap++;
            while (_ap < _act.Length && (char.IsAsciiLetterOrDigit(_act[_ap]) || _act[_ap] is '.' or '_' || ((_act[_ap] is '+' or '-') && (_act[_ap - 1] is 'e' or 'E'))))
                _ap++;
            var s = _act[start.._ap].Replace("_", "", StringComparison.Ordinal);
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                return l;
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && long.TryParse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h))
                return h;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                return d;
            throw new TemplateException($"template: bad number syntax: \"{s}\"");
        }
    }

    // ---- execution ----
    private sealed class Scope(Scope? parent)
    {
        public readonly Dictionary<string, object?> Vars = new(StringComparer.Ordinal);
        public Scope? Parent { get; } = parent;

        public bool TryGet(string name, out object? v)
        {
            for (var s = this; s != null; s = s.Parent)
                if (s.Vars.TryGetValue(name, out v))
                    return true;
            v = null;
            return false;
        }

        public void Set(string name, object? v)
        {
            for (var s = this; s != null; s = s.Parent)
                if (s.Vars.ContainsKey(name))
                {
                    s.Vars[name] = v;
                    return;
                }
            throw new TemplateException($"template: undefined variable: {name}");
        }
    }

    private sealed class BreakSignal(bool isContinue) : Exception
    {
        public bool IsContinue { get; } = isContinue;
    }

    private sealed class Exec(StringBuilder sb, TemplateFunctions functions)
    {
        private int _steps;

        public void Run(List<Node> nodes, object? dot, Scope scope)
        {
            foreach (var n in nodes)
            {
                // Guards against templates that loop forever over huge ranges; Go has no limit, a server needs one.
                if (++_steps > 100_000 || sb.Length > 1 << 20)
                    throw new TemplateException("template: execution limit exceeded");
                switch (n)
                {
                    case TextNode t:
                        sb.Append(t.Text);
                        break;
                    case ActionNode a:
                        var v = EvalPipe(a.Pipe, dot, scope);
                        if (a.Pipe.Decl.Count == 0)
                            sb.Append(GoFormat.Print(v));
                        break;
                    case IfNode i:
                        var inner = new Scope(scope);
                        var c = EvalPipe(i.Cond, dot, inner);
                        if (Truth(c))
                            Run(i.Then, i.IsWith ? c : dot, inner);
                        else if (i.Else != null)
                            Run(i.Else, dot, new Scope(scope));
                        break;
                    case RangeNode r:
                        RunRange(r, dot, scope);
                        break;
                    case BreakNode b:
                        throw new BreakSignal(b.Continue);
                }
            }
        }

        private void RunRange(RangeNode r, object? dot, Scope scope)
        {
            var inner = new Scope(scope);
            var decl = r.Pipe with { Decl = [] };
            var coll = EvalPipe(decl, dot, inner);
            var items = new List<(object? Key, object? Value)>();
            switch (coll)
            {
                case null:
                    break;
                case IDictionary<string, string> m:
                    foreach (var k in m.Keys.OrderBy(k => k, StringComparer.Ordinal))
                        items.Add((k, m[k]));
                    break;
                case IDictionary d:
                    foreach (var k in d.Keys.Cast<object>().OrderBy(k => GoFormat.Print(k), StringComparer.Ordinal))
                        items.Add((k, d[k]));
                    break;
                case string:
                    throw new TemplateException("template: range can't iterate over " + GoFormat.Print(coll));
                case IEnumerable e:
                    var idx = 0L;
                    foreach (var x in e)
                        items.Add((idx++, x));
                    break;
                case long n:
                    for (var i = 0L; i < n; i++)
                        items.Add((i, i));
                    break;
                default:
                    throw new TemplateException("template: range can't iterate over " + GoFormat.Print(coll));
            }
            if (items.Count == 0)
            {
                if (r.Else != null)
                    Run(r.Else, dot, new Scope(scope));
                return;
            }
            foreach (var (k, v) in items)
            {
                var s = new Scope(inner);
                if (r.Pipe.Decl.Count == 1)
                    s.Vars[r.Pipe.Decl[0]] = v;
                else if (r.Pipe.Decl.Count == 2)
                {
                    s.Vars[r.Pipe.Decl[0]] = k;
                    s.Vars[r.Pipe.Decl[1]] = v;
                }
                try
                {
                    Run(r.Body, v, s);
                }
                catch (BreakSignal b)
                {
                    if (!b.IsContinue)
                        break;
                }
            }
        }

        public static bool Truth(object? v) => v switch
        {
            null => false,
            bool b => b,
            string s => s.Length > 0,
            long l => l != 0,
            int i => i != 0,
            double d => d != 0,
            ICollection c => c.Count > 0,
            _ => true,
        };

        private object? EvalPipe(Pipe p, object? dot, Scope scope)
        {
            object? value = null;
            var first = true;
            foreach (var cmd in p.Cmds)
            {
                value = EvalCmd(cmd, dot, scope, first ? null : new[] { value });
                first = false;
            }
            if (p.Decl.Count > 0)
            {
                if (p.Assign)
                    scope.Set(p.Decl[0], value);
                else
                    scope.Vars[p.Decl[^1]] = value;
            }
            return value;
        }

        private object? EvalCmd(List<Arg> cmd, object? dot, Scope scope, object?[]? piped)
        {
            if (cmd[0] is IdentArg f)
            {
                var args = new List<object?>();
                for (var i = 1; i < cmd.Count; i++)
                    args.Add(EvalArg(cmd[i], dot, scope));
                if (piped != null)
                    args.Add(piped[0]);
                return CallFunction(f.Name, args, dot, scope, cmd);
            }
            if (cmd.Count > 1 || piped != null)
                throw new TemplateException($"template: can't give argument to non-function {Describe(cmd[0])}");
            return EvalArg(cmd[0], dot, scope);
        }

        private object? CallFunction(string name, List<object?> args, object? dot, Scope scope, List<Arg> cmd)
        {
            switch (name)
            {
                // and/or short-circuit in Go; evaluating eagerly gives the same value for side-effect-free args.
                case "and":
                    foreach (var a in args)
                        if (!Truth(a))
                            return a;
                    return args.Count > 0 ? args[^1] : null;
                case "or":
                    foreach (var a in args)
                        if (Truth(a))
                            return a;
                    return args.Count > 0 ? args[^1] : null;
                case "not":
                    Need(name, args, 1);
                    return !Truth(args[0]);
            }
            return functions.Call(name, args);
        }

        private static void Need(string name, List<object?> args, int n)
        {
            if (args.Count != n)
                throw new TemplateException($"template: wrong number of args for {name}: want {n} got {args.Count}");
        }

        private static string Describe(Arg a) => a switch
        {
            FieldArg f => (f.Var ?? "") + string.Concat(f.Fields.Select(x => "." + x)),
            ConstArg c => GoFormat.Print(c.Value),
            _ => "value",
        };

        private object? EvalArg(Arg a, object? dot, Scope scope)
        {
            switch (a)
            {
                case ConstArg c:
                    return c.Value;
                case IdentArg f:
                    return CallFunction(f.Name, [], dot, scope, [f]);
                case SubPipeArg s:
                    return Fields(EvalPipe(s.Pipe, dot, new Scope(scope)), s.Fields);
                case FieldArg f:
                    object? root;
                    if (f.Var == null)
                        root = dot;
                    else if (!scope.TryGet(f.Var, out root))
                        throw new TemplateException($"template: undefined variable \"{f.Var}\"");
                    return Fields(root, f.Fields);
            }
            return null;
        }

        private static object? Fields(object? v, string[] fields)
        {
            foreach (var name in fields)
            {
                switch (v)
                {
                    case IReadOnlyDictionary<string, string> m:
                        v = m.TryGetValue(name, out var s) ? s : "";
                        break;
                    case IDictionary<string, string> m2:
                        v = m2.TryGetValue(name, out var s2) ? s2 : "";
                        break;
                    case IReadOnlyDictionary<string, object?> o:
                        v = o.TryGetValue(name, out var x) ? x : null;
                        break;
                    case ITemplateFields tf:
                        if (!tf.TryGetField(name, out v))
                            throw new TemplateException($"template: can't evaluate field {name} in type {tf.GetType().Name}");
                        break;
                    case null:
                        throw new TemplateException($"template: nil pointer evaluating .{name}");
                    default:
                        throw new TemplateException($"template: can't evaluate field {name} in type {GoFormat.TypeName(v)}");
                }
            }
            return v;
        }
    }
}
