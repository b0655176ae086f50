using System.Globalization;
using System.Text;

namespace Sawmill.GoCompat;

public sealed partial class GoTemplate
{
    /// <summary>Recursive-descent parser over the template text; action tokens are scanned in place.</summary>
    private sealed class Parser(string text, TemplateFunctionSet functions)
    {
        private int _pos;
        private bool _trimNextText;
        private int _rangeDepth;
        private readonly List<HashSet<string>> _scopes = [["$"]];

        public HashSet<string> Called { get; } = new(StringComparer.Ordinal);
        public bool WholeDataUsed { get; private set; }
        public HashSet<string> Fields { get; } = new(StringComparer.Ordinal);

        public Node[] ParseRoot()
        {
            var list = ParseList(out var end);
            if (end != null)
                throw Error($"unexpected {{{{{end}}}}}");
            return list;
        }

        private ArgumentException Error(string message)
        {
            var line = 1;
            for (var i = 0; i < Math.Min(_pos, text.Length); i++)
                if (text[i] == '\n')
                    line++;
            return new ArgumentException($"template: line:{line}: {message}");
        }

        /// <summary>Parses nodes until EOF or a control keyword (<c>end</c>, <c>else</c>); returns that keyword in <paramref name="terminator"/>.</summary>
        private Node[] ParseList(out string? terminator)
        {
            var nodes = new List<Node>();
            terminator = null;
            while (_pos < text.Length)
            {
                var open = text.IndexOf("{{", _pos, StringComparison.Ordinal);
                var textEnd = open < 0 ? text.Length : open;
                // "{{- " trims the whitespace before the action ("{{-3}}" is the number -3).
                var leftTrim = open >= 0 && open + 3 < text.Length && text[open + 2] == '-' && IsSpace(text[open + 3]);
                var chunk = text[_pos..textEnd];
                if (_trimNextText)
                    chunk = chunk.TrimStart(' ', '\t', '\r', '\n');
                if (leftTrim)
                    chunk = chunk.TrimEnd(' ', '\t', '\r', '\n');
                _trimNextText = false;
                if (chunk.Length > 0)
                    nodes.Add(new TextNode(chunk));
                if (open < 0)
                {
                    _pos = text.Length;
                    break;
                }
                _pos = open + (leftTrim ? 4 : 2);
                // Comment.
                SkipSpaces();
                if (Peek("/*"))
                {
                    var close = text.IndexOf("*/", _pos, StringComparison.Ordinal);
                    if (close < 0)
                        throw Error("unclosed comment");
                    _pos = close + 2;
                    SkipSpaces();
                    CloseAction();
                    continue;
                }
                var word = PeekKeyword();
                switch (word)
                {
                    case "end":
                    case "else":
                        _pos += word.Length;
                        terminator = word;
                        return nodes.ToArray();
                    case "if":
                    case "range":
                    case "with":
                        _pos += word.Length;
                        nodes.Add(ParseBranch(word));
                        continue;
                    case "break":
                    case "continue":
                        if (_rangeDepth == 0)
                            throw Error($"{{{{{word}}}}} outside {{{{range}}}}");
                        _pos += word.Length;
                        SkipSpaces();
                        CloseAction();
                        nodes.Add(word == "break" ? new BreakNode() : new ContinueNode());
                        continue;
                    case "define":
                    case "template":
                    case "block":
                        throw Error($"{word} is not supported in a log template");
                }
                var pipe = ParsePipe(allowDecl: true, inParens: false);
                CloseAction();
                nodes.Add(new ActionNode(pipe));
            }
            return nodes.ToArray();
        }

        private Node ParseBranch(string kind)
        {
            _scopes.Add(new HashSet<string>(StringComparer.Ordinal));
            var pipe = ParsePipe(allowDecl: true, inParens: false, rangeDecl: kind == "range");
            CloseAction();
            if (kind == "range")
                _rangeDepth++;
            var list = ParseList(out var end);
            if (kind == "range")
                _rangeDepth--;
            Node[]? elseList = null;
            if (end == "else")
            {
                SkipSpaces();
                var next = PeekKeyword();
                if (next == "if" && kind == "if" || next == "with" && kind == "with")
                {
                    // {{else if …}} is {{else}}{{if …}}…{{end}} sharing the outer {{end}}.
                    _pos += next.Length;
                    elseList = [ParseBranch(next)];
                    _scopes.RemoveAt(_scopes.Count - 1);
                    return new BranchNode(Kind(kind), pipe, list, elseList);
                }
                CloseAction();
                elseList = ParseList(out end);
            }
            if (end != "end")
                throw Error($"unexpected EOF in {kind}");
            SkipSpaces();
            CloseAction();
            _scopes.RemoveAt(_scopes.Count - 1);
            return new BranchNode(Kind(kind), pipe, list, elseList);
        }

        private static BranchKind Kind(string k) => k switch
        {
            "if" => BranchKind.If,
            "range" => BranchKind.Range,
            _ => BranchKind.With,
        };

        private void CloseAction()
        {
            SkipSpaces();
            if (Peek("-}}") && _pos > 0 && IsSpace(text[_pos - 1]))
            {
                _pos += 3;
                _trimNextText = true;
                return;
            }
            if (!Peek("}}"))
                throw Error(_pos >= text.Length ? "unclosed action" : $"unexpected \"{text[_pos]}\" in command");
            _pos += 2;
        }

        private Pipe ParsePipe(bool allowDecl, bool inParens, bool rangeDecl = false)
        {
            var decl = new List<string>();
            var isAssign = false;
            if (allowDecl)
            {
                var save = _pos;
                SkipSpaces();
                var vars = new List<string>();
                while (Peek("$"))
                {
                    var name = ReadVariableName();
                    vars.Add(name);
                    SkipSpaces();
                    if (rangeDecl && Peek(",") && vars.Count == 1)
                    {
                        _pos++;
                        SkipSpaces();
                        continue;
                    }
                    break;
                }
                if (vars.Count > 0 && (Peek(":=") || Peek("=") && !Peek("==")))
                {
                    isAssign = !Peek(":=");
                    _pos += isAssign ? 1 : 2;
                    decl = vars;
                    foreach (var v in vars)
                    {
                        if (isAssign && !IsDeclared(v))
                            throw Error($"undefined variable \"{v}\"");
                        _scopes[^1].Add(v);
                    }
                }
                else
                    _pos = save;
            }
            var cmds = new List<Cmd>();
            while (true)
            {
                var args = new List<Arg>();
                while (true)
                {
                    SkipSpaces();
                    if (_pos >= text.Length)
                        throw Error("unclosed action");
                    if (Peek("}}") || Peek("-}}") && IsSpace(text[_pos - 1]) || Peek("|") || Peek(")"))
                        break;
                    args.Add(ParseOperand());
                }
                if (args.Count == 0)
                    throw Error("missing value for command");
                cmds.Add(new Cmd(args.ToArray()));
                SkipSpaces();
                if (Peek("|"))
                {
                    _pos++;
                    continue;
                }
                break;
            }
            if (inParens)
            {
                if (!Peek(")"))
                    throw Error("unclosed left paren");
                _pos++;
            }
            else if (Peek(")"))
                throw Error("unexpected right paren");
            return new Pipe(decl.ToArray(), isAssign, cmds.ToArray());
        }

        private bool IsDeclared(string v)
        {
            foreach (var s in _scopes)
                if (s.Contains(v))
                    return true;
            return false;
        }

        private Arg ParseOperand()
        {
            var c = text[_pos];
            Arg term;
            if (c == '(')
            {
                _pos++;
                var pipe = ParsePipe(allowDecl: false, inParens: true);
                return new PipeArg(pipe, ReadFieldChain());
            }
            if (c == '.')
            {
                if (_pos + 1 < text.Length && IsIdentStart(text[_pos + 1]))
                {
                    var idents = ReadFieldChain();
                    Fields.Add(idents[0]);
                    return new FieldArg(idents);
                }
                if (_pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]))
                    return ParseNumber();
                _pos++;
                WholeDataUsed = true;
                return new DotArg();
            }
            if (c == '$')
            {
                var name = ReadVariableName();
                if (!IsDeclared(name))
                    throw Error($"undefined variable \"{name}\"");
                if (name == "$")
                    WholeDataUsed = true;
                return new VarArg(name, ReadFieldChain());
            }
            if (c is '"' or '`')
                return new LitArg(ReadString());
            if (c == '\'')
                return ParseChar();
            if (char.IsAsciiDigit(c) || (c is '-' or '+') && _pos + 1 < text.Length && (char.IsAsciiDigit(text[_pos + 1]) || text[_pos + 1] == '.'))
                return ParseNumber();
            if (IsIdentStart(c))
            {
                var start = _pos;
                while (_pos < text.Length && IsIdentChar(text[_pos]))
                    _pos++;
                var word = text[start.._pos];
                term = word switch
                {
                    "true" => new LitArg(true),
                    "false" => new LitArg(false),
                    "nil" => new LitArg(null, isNil: true),
                    _ => functions.Defines(word) ? new IdentArg(word) : throw Error($"function \"{word}\" not defined"),
                };
                if (term is IdentArg)
                    Called.Add(word);
                return term;
            }
            throw Error($"unexpected \"{c}\" in command");
        }

        private string[] ReadFieldChain()
        {
            var idents = new List<string>();
            while (_pos + 1 < text.Length && text[_pos] == '.' && IsIdentStart(text[_pos + 1]))
            {
                _pos++;
                var start = _pos;
                while (_pos < text.Length && IsIdentChar(text[_pos]))
                    _pos++;
                idents.Add(text[start.._pos]);
            }
            return idents.ToArray();
        }

        private string ReadVariableName()
        {
            var start = _pos;
            _pos++;
            while (_pos < text.Length && IsIdentChar(text[_pos]))
                _pos++;
            return text[start.._pos];
        }

        private string ReadString()
        {
            var quote = text[_pos];
            var sb = new StringBuilder();
            if (!GoQuote.TryUnquote(text, ref _pos, sb, out var error))
                throw Error(error == UnquoteError.InvalidSyntax ? "invalid syntax"
                    : quote == '`' ? "unterminated raw quoted string" : "unterminated quoted string");
            return sb.ToString();
        }

        private LitArg ParseChar()
        {
            var start = _pos;
            var end = text.IndexOf('\'', _pos + 1);
            if (end < 0)
                throw Error("unterminated character constant");
            var body = text[(start + 1)..end];
            _pos = end + 1;
            if (body.Length == 1)
                return new LitArg((long)body[0]);
            if (body.Length == 2 && body[0] == '\\')
            {
                return new LitArg((long)(body[1] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '\\' => '\\',
                    '\'' => '\'',
                    _ => throw Error($"malformed character constant: '{body}'"),
                }));
            }
            throw Error($"malformed character constant: '{body}'");
        }

        private LitArg ParseNumber()
        {
            var start = _pos;
            if (text[_pos] is '+' or '-')
                _pos++;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '.' or '_' || (text[_pos] is '+' or '-') && text[_pos - 1] is 'e' or 'E' or 'p' or 'P'))
                _pos++;
            var s = text[start.._pos].Replace("_", "", StringComparison.Ordinal);
            var neg = s.StartsWith('-');
            var body = s.TrimStart('+', '-');
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && long.TryParse(body[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
                return new LitArg(neg ? -hex : hex);
            if (body.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
                return new LitArg((neg ? -1 : 1) * Convert.ToInt64(body[2..], 8));
            if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
                return new LitArg((neg ? -1 : 1) * Convert.ToInt64(body[2..], 2));
            if (body.Length > 1 && body[0] == '0' && body.All(char.IsAsciiDigit))
                return new LitArg((neg ? -1 : 1) * Convert.ToInt64(body, 8));
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                return new LitArg(l);
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                return new LitArg(d);
            throw Error($"bad number syntax: \"{text[start.._pos]}\"");
        }

        private string PeekKeyword()
        {
            SkipSpaces();
            var start = _pos;
            var i = _pos;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
                i++;
            var word = text[start..i];
            if (word is "if" or "else" or "end" or "range" or "with" or "break" or "continue" or "define" or "template" or "block"
                && (i >= text.Length || !IsIdentChar(text[i])))
                return word;
            return "";
        }

        private bool Peek(string s) => string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0;

        private void SkipSpaces()
        {
            while (_pos < text.Length && IsSpace(text[_pos]))
                _pos++;
        }

        private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

        private static bool IsIdentStart(char c) => char.IsLetter(c) || c == '_';

        private static bool IsIdentChar(char c) => char.IsLetterOrDigit(c) || c == '_';
    }
}
