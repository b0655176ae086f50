using System.Collections;
using System.Text;

namespace Sawmill.GoCompat;

public sealed partial class GoTemplate
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <summary>Marks "no value passed down the pipeline" (distinct from a nil value).</summary>
    private static readonly object NoFinal = new();

    private sealed class Executor(GoTemplate template, StringBuilder output, object? context)
    {
        private readonly List<(string Name, object? Value)> _vars = [];

        public void Run(Node[] nodes, object? dot, IEnumerable<KeyValuePair<string, object?>>? variables)
        {
            _vars.Add(("$", dot));
            if (variables != null)
                foreach (var (name, value) in variables)
                    _vars.Add((name, value));
            Walk(dot, nodes);
        }

        private Flow Walk(object? dot, Node[] nodes)
        {
            foreach (var node in nodes)
            {
                switch (node)
                {
                    case TextNode t:
                        output.Append(t.Text);
                        break;
                    case ActionNode a:
                        var v = EvalPipe(dot, a.Pipe);
                        if (a.Pipe.Decl.Length == 0)
                            GoValues.Print(output, v);
                        break;
                    case BranchNode b:
                        var mark = _vars.Count;
                        var flow = b.Kind switch
                        {
                            BranchKind.If => WalkIf(dot, b),
                            BranchKind.With => WalkWith(dot, b),
                            _ => WalkRange(dot, b),
                        };
                        _vars.RemoveRange(mark, _vars.Count - mark);
                        if (flow != Flow.Normal)
                            return flow;
                        break;
                    case BreakNode:
                        return Flow.Break;
                    case ContinueNode:
                        return Flow.Continue;
                }
            }
            return Flow.Normal;
        }

        private Flow WalkIf(object? dot, BranchNode b)
        {
            var v = EvalPipe(dot, b.Pipe);
            if (GoValues.IsTrue(v))
                return Walk(dot, b.List);
            return b.Else != null ? Walk(dot, b.Else) : Flow.Normal;
        }

        private Flow WalkWith(object? dot, BranchNode b)
        {
            var v = EvalPipe(dot, b.Pipe);
            if (GoValues.IsTrue(v))
                return Walk(v, b.List);
            return b.Else != null ? Walk(dot, b.Else) : Flow.Normal;
        }

        private Flow WalkRange(object? dot, BranchNode b)
        {
            // Declared variables are (index, element) or (element).
            var decl = b.Pipe.Decl;
            var pipe = new Pipe([], false, b.Pipe.Cmds);
            var v = EvalPipe(dot, pipe);
            var items = new List<(object? Key, object? Value)>();
            switch (v)
            {
                case null:
                    break;
                case ITemplateMap map:
                    foreach (var (k, mv) in map.Entries())
                        items.Add((k, mv));
                    break;
                case IDictionary dict:
                    var keys = new List<string>();
                    foreach (var k in dict.Keys)
                        keys.Add((string)k);
                    keys.Sort(StringComparer.Ordinal);
                    foreach (var k in keys)
                        items.Add((k, dict[k]));
                    break;
                case IList list:
                    for (var i = 0; i < list.Count; i++)
                        items.Add(((long)i, list[i]));
                    break;
                case long n:
                    for (long i = 0; i < n; i++)
                        items.Add((i, i));
                    break;
                default:
                    throw new TemplateException($"template: {template.Text}: range can't iterate over {GoValues.ToText(v)}");
            }
            if (items.Count == 0)
                return b.Else != null ? Walk(dot, b.Else) : Flow.Normal;
            var mark = _vars.Count;
            foreach (var (key, value) in items)
            {
                _vars.RemoveRange(mark, _vars.Count - mark);
                if (decl.Length == 1)
                    _vars.Add((decl[0], value));
                else if (decl.Length == 2)
                {
                    _vars.Add((decl[0], key));
                    _vars.Add((decl[1], value));
                }
                var flow = Walk(value, b.List);
                if (flow == Flow.Break)
                    break;
            }
            return Flow.Normal;
        }

        private object? EvalPipe(object? dot, Pipe pipe)
        {
            var value = NoFinal;
            foreach (var cmd in pipe.Cmds)
                value = EvalCommand(dot, cmd, value);
            if (value == NoFinal)
                value = null;
            foreach (var name in pipe.Decl)
            {
                if (pipe.IsAssign)
                {
                    for (var i = _vars.Count - 1; i >= 0; i--)
                    {
                        if (_vars[i].Name == name)
                        {
                            _vars[i] = (name, value);
                            break;
                        }
                    }
                }
                else
                    _vars.Add((name, value));
            }
            return value;
        }

        private object? EvalCommand(object? dot, Cmd cmd, object? final)
        {
            var first = cmd.Args[0];
            var hasExtra = cmd.Args.Length > 1 || final != NoFinal;
            switch (first)
            {
                case IdentArg f:
                    return CallAt(f, dot, cmd.Args, final);
                case FieldArg fa:
                    if (hasExtra)
                        throw new TemplateException($"template: {template.Text}: {fa.Idents[^1]} has arguments but cannot be invoked as function");
                    return Fields(dot, fa.Idents);
                case VarArg va:
                    if (hasExtra)
                        throw new TemplateException($"template: {template.Text}: can't give argument to non-function {va.Name}");
                    return Fields(Variable(va.Name), va.Idents);
                case PipeArg pa:
                    if (hasExtra)
                        throw new TemplateException($"template: {template.Text}: can't give argument to non-function");
                    return Fields(EvalPipe(dot, pa.Pipe), pa.Idents);
                case DotArg:
                    if (hasExtra)
                        throw new TemplateException($"template: {template.Text}: can't give argument to non-function .");
                    return dot;
                case LitArg l:
                    if (hasExtra)
                        throw new TemplateException($"template: {template.Text}: can't give argument to non-function {GoValues.ToText(l.Value)}");
                    return l.Value;
            }
            throw new TemplateException("template: unknown command");
        }

        private object? EvalArg(object? dot, Arg arg) => arg switch
        {
            IdentArg f => CallAt(f, dot, [f], NoFinal),
            FieldArg fa => Fields(dot, fa.Idents),
            VarArg va => Fields(Variable(va.Name), va.Idents),
            PipeArg pa => Fields(EvalPipe(dot, pa.Pipe), pa.Idents),
            DotArg => dot,
            LitArg l => l.Value,
            _ => null,
        };

        /// <summary>
        /// Calls a function; its error reads as Go's execution error: <c>template: line:1:13: executing "line" at
        /// &lt;unixToTime&gt;: error calling unixToTime: …</c> (the function's line and its byte offset in that line, from 0, as Go's ErrorContext counts).
        /// </summary>
        private object? CallAt(IdentArg f, object? dot, Arg[] args, object? final)
        {
            try
            {
                return Call(dot, f.Name, args, final);
            }
            catch (TemplateException e) when (e.Message.StartsWith("error calling ", StringComparison.Ordinal))
            {
                var text = template.Text;
                var line = 1;
                var lineStart = 0;
                for (var i = 0; i < f.Position && i < text.Length; i++)
                {
                    if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                }
                // Go's ErrorContext counts the column as the byte offset within the line, from 0.
                var column = System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(lineStart, f.Position - lineStart));
                throw new TemplateException($"template: {template.Name}:{line}:{column}: executing \"{template.Name}\" at <{CommandText(args)}>: {e.Message}");
            }
        }

        /// <summary>A command as Go's parse nodes print it (its error context): the arguments, single-spaced.</summary>
        private static string CommandText(Arg[] args) => string.Join(' ', args.Select(ArgText));

        private static string ArgText(Arg arg) => arg switch
        {
            IdentArg f => f.Name,
            DotArg => ".",
            FieldArg fa => "." + string.Join('.', fa.Idents),
            VarArg va => va.Name + string.Concat(va.Idents.Select(i => "." + i)),
            PipeArg pa => "(" + PipeText(pa.Pipe) + ")" + string.Concat(pa.Idents.Select(i => "." + i)),
            LitArg { IsNil: true } => "nil",
            LitArg { Value: string str } => GoQuote.Quote(str),
            LitArg { Value: bool b } => b ? "true" : "false",
            LitArg { Value: double d } => GoValues.FormatFloat(d),
            LitArg l => Convert.ToString(l.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            _ => "",
        };

        private static string PipeText(Pipe pipe) =>
            (pipe.Decl.Length > 0 ? string.Join(", ", pipe.Decl) + (pipe.IsAssign ? " = " : " := ") : "") +
            string.Join(" | ", pipe.Cmds.Select(c => CommandText(c.Args)));

        private object? Call(object? dot, string name, Arg[] args, object? final)
        {
            var n = args.Length - 1 + (final != NoFinal ? 1 : 0);
            var values = new object?[n];
            for (var i = 1; i < args.Length; i++)
                values[i - 1] = EvalArg(dot, args[i]);
            if (final != NoFinal)
                values[n - 1] = final;
            return template.Functions.Call(name, context, values);
        }

        private object? Variable(string name)
        {
            for (var i = _vars.Count - 1; i >= 0; i--)
                if (_vars[i].Name == name)
                    return _vars[i].Value;
            throw new TemplateException($"template: {template.Text}: undefined variable: {name}");
        }

        private object? Fields(object? receiver, string[] idents)
        {
            foreach (var ident in idents)
            {
                receiver = receiver switch
                {
                    ITemplateMap m => m.Get(ident) ?? "",
                    // A string map's missing key is "" (Go's zero value under missingkey=zero), e.g. Prometheus's $labels.
                    IReadOnlyDictionary<string, string> sm => sm.TryGetValue(ident, out var sv) ? sv : "",
                    IDictionary dict => dict.Contains(ident) ? dict[ident] : null,
                    ITemplateFields f => f.TryGetField(ident, out var fv) ? fv : throw new TemplateException($"template: {template.Text}: can't evaluate field {ident} in type {GoValues.TypeName(receiver)}"),
                    null => throw new TemplateException($"template: {template.Text}: nil pointer evaluating interface {{}}.{ident}"),
                    _ => throw new TemplateException($"template: {template.Text}: can't evaluate field {ident} in type {GoValues.TypeName(receiver)}"),
                };
            }
            return receiver;
        }
    }
}
