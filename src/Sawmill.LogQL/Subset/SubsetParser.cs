using System.Globalization;
using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.LogQL.Subset;

/// <summary>
/// A recursive-descent parser for the LogQL subset; errors are <see cref="ParseException"/> with Loki's
/// <c>parse error at line L, col C: …</c> wording.
/// </summary>
internal sealed class SubsetParser
{
    private static readonly HashSet<string> RangeOps = ["count_over_time", "rate", "bytes_over_time", "bytes_rate"];
    private static readonly HashSet<string> VectorOps = ["sum", "count", "avg", "min", "max"];
    private readonly string _text;
    private int _pos;

    private SubsetParser(string text) => _text = text;

    public static Expr Parse(string text)
    {
        var p = new SubsetParser(text);
        var e = p.ParseBinary(0);
        p.SkipSpace();
        if (p._pos < text.Length)
            throw p.Error($"syntax error: unexpected {p.Peek()}");
        return e;
    }

    private static readonly (string Op, int Prec)[] BinaryOps =
    [
        ("==", 1), ("!=", 1), (">=", 1), ("<=", 1), (">", 1), ("<", 1),
        ("+", 2), ("-", 2), ("*", 3), ("/", 3), ("%", 3), ("^", 4),
    ];

    private Expr ParseBinary(int minPrec)
    {
        var left = ParseUnary();
        while (true)
        {
            SkipSpace();
            var match = BinaryOps.FirstOrDefault(o => string.CompareOrdinal(_text, _pos, o.Op, 0, o.Op.Length) == 0 && o.Prec >= minPrec);
            if (match.Op == null)
                return left;
            // "!=" after a selector is a line filter, handled in the log expression; here it is a comparison.
            _pos += match.Op.Length;
            SkipSpace();
            var returnBool = false;
            if (match.Prec == 1 && TryWord("bool"))
                returnBool = true;
            var right = ParseBinary(match.Op == "^" ? match.Prec : match.Prec + 1);
            left = new BinaryExpr(match.Op, left, right, returnBool);
        }
    }

    private Expr ParseUnary()
    {
        SkipSpace();
        if (Peek() == '-' && _pos + 1 < _text.Length && (char.IsAsciiDigit(_text[_pos + 1]) || _text[_pos + 1] == '.'))
        {
            _pos++;
            return new NumberExpr(-ReadNumber());
        }
        if (Peek() == '(')
        {
            _pos++;
            var e = ParseBinary(0);
            Expect(')');
            return e;
        }
        if (char.IsAsciiDigit(Peek()) || Peek() == '.')
            return new NumberExpr(ReadNumber());
        if (Peek() == '{')
            return ParseLog();
        var word = ReadIdentifier();
        if (word.Length == 0)
            throw Error($"syntax error: unexpected {Describe()}");
        if (RangeOps.Contains(word))
        {
            Expect('(');
            var log = ParseLog();
            SkipSpace();
            Expect('[');
            var range = ReadDuration(']');
            Expect(']');
            long offset = 0;
            SkipSpace();
            if (TryWord("offset"))
            {
                SkipSpace();
                offset = ReadDuration(')');
            }
            Expect(')');
            return new RangeAggExpr(word, log, range, offset);
        }
        if (VectorOps.Contains(word))
        {
            SkipSpace();
            var (grouping, without) = TryGrouping();
            Expect('(');
            var inner = ParseBinary(0);
            Expect(')');
            if (grouping == null)
                (grouping, without) = TryGrouping();
            return new VectorAggExpr(word, inner, grouping, without);
        }
        if (word == "vector")
        {
            Expect('(');
            SkipSpace();
            var negative = false;
            if (Peek() == '-')
            {
                negative = true;
                _pos++;
            }
            var v = ReadNumber();
            Expect(')');
            return new VectorFuncExpr(negative ? -v : v);
        }
        throw Error($"syntax error: unexpected IDENTIFIER {word}");
    }

    private (List<string>? Grouping, bool Without) TryGrouping()
    {
        SkipSpace();
        var save = _pos;
        var word = ReadIdentifier();
        if (word is not ("by" or "without"))
        {
            _pos = save;
            return (null, false);
        }
        Expect('(');
        var labels = new List<string>();
        SkipSpace();
        while (Peek() != ')')
        {
            var l = ReadIdentifier();
            if (l.Length == 0)
                throw Error($"syntax error: unexpected {Describe()}, expecting IDENTIFIER or )");
            labels.Add(l);
            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
        }
        Expect(')');
        return (labels, word == "without");
    }

    private LogExpr ParseLog()
    {
        SkipSpace();
        if (Peek() == '(')
        {
            _pos++;
            var inner = ParseLog();
            Expect(')');
            return inner;
        }
        Expect('{');
        var matchers = new List<LabelMatcher>();
        SkipSpace();
        while (Peek() != '}')
        {
            var name = ReadIdentifier();
            if (name.Length == 0)
                throw Error($"syntax error: unexpected {Describe()}, expecting IDENTIFIER");
            SkipSpace();
            MatchType type;
            if (TryToken("=~")) type = MatchType.Regex;
            else if (TryToken("!~")) type = MatchType.NotRegex;
            else if (TryToken("!=")) type = MatchType.NotEqual;
            else if (TryToken("=")) type = MatchType.Equal;
            else throw Error($"syntax error: unexpected {Describe()}, expecting = or != or =~ or !~");
            SkipSpace();
            var value = ReadString();
            try
            {
                matchers.Add(LabelMatcher.Create(type, name, value));
            }
            catch (ArgumentException e)
            {
                throw new ParseException(e.Message);
            }
            SkipSpace();
            if (Peek() == ',')
            {
                _pos++;
                SkipSpace();
            }
            else if (Peek() != '}')
            {
                throw Error($"syntax error: unexpected {Describe()}, expecting , or }}");
            }
        }
        _pos++;
        if (matchers.Count == 0)
            throw Error("syntax error: unexpected }, expecting IDENTIFIER");
        if (matchers.TrueForAll(m => m.MatchesEmpty))
            throw new ParseException("parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will");
        var filters = new List<LineFilter>();
        while (true)
        {
            SkipSpace();
            string? op = null;
            foreach (var candidate in new[] { "|=", "|~", "!=", "!~" })
            {
                if (TryToken(candidate))
                {
                    op = candidate;
                    break;
                }
            }
            if (op == null)
            {
                if (Peek() == '|')
                    throw new ParseException($"parse error at line 1, col {_pos + 1}: this version of Sawmill's query engine supports only line filters in pipelines");
                break;
            }
            SkipSpace();
            var value = ReadString();
            if (op is "|~" or "!~")
            {
                try
                {
                    Re2.Compile(value, anchored: false);
                }
                catch (ArgumentException e)
                {
                    throw new ParseException(e.Message);
                }
            }
            filters.Add(new LineFilter(op, value));
        }
        return new LogExpr(matchers, filters);
    }

    private long ReadDuration(char terminator)
    {
        SkipSpace();
        var start = _pos;
        while (_pos < _text.Length && _text[_pos] != terminator && !char.IsWhiteSpace(_text[_pos]) && _text[_pos] != ')')
            _pos++;
        var text = _text[start.._pos];
        if (!GoDuration.TryParse(text, out var ns) || ns <= 0)
            throw Error($"syntax error: unexpected {(text.Length == 0 ? Describe() : text)}, expecting a duration");
        SkipSpace();
        return ns;
    }

    private string ReadString()
    {
        var c = Peek();
        if (c == '`')
        {
            var end = _text.IndexOf('`', _pos + 1);
            if (end < 0)
                throw Error("syntax error: unterminated raw string");
            var s = _text[(_pos + 1)..end];
            _pos = end + 1;
            return s;
        }
        if (c != '"')
            throw Error($"syntax error: unexpected {Describe()}, expecting STRING");
        var sb = new StringBuilder();
        _pos++;
        while (_pos < _text.Length)
        {
            var ch = _text[_pos++];
            if (ch == '"')
                return sb.ToString();
            if (ch == '\\' && _pos < _text.Length)
            {
                var e = _text[_pos++];
                sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', '"' => '"', _ => throw Error($"invalid escape sequence \\{e}") });
                continue;
            }
            sb.Append(ch);
        }
        throw Error("syntax error: unterminated string");
    }

    private double ReadNumber()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E'))
            _pos++;
        if (!double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error($"syntax error: unexpected {_text[start.._pos]}");
        return v;
    }

    private string ReadIdentifier()
    {
        SkipSpace();
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_') && !(_pos == start && char.IsAsciiDigit(_text[_pos])))
            _pos++;
        return _text[start.._pos];
    }

    private bool TryWord(string word)
    {
        var save = _pos;
        if (ReadIdentifier() == word)
            return true;
        _pos = save;
        return false;
    }

    private bool TryToken(string token)
    {
        if (string.CompareOrdinal(_text, _pos, token, 0, token.Length) != 0)
            return false;
        _pos += token.Length;
        return true;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (Peek() != c)
            throw Error($"syntax error: unexpected {Describe()}, expecting {c}");
        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private string Describe() => _pos >= _text.Length ? "$end" : _text[_pos].ToString();

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
            _pos++;
    }

    private ParseException Error(string message)
    {
        int line = 1, col = 1;
        for (var i = 0; i < _pos && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                col = 1;
            }
            else
            {
                col++;
            }
        }
        return new ParseException($"parse error at line {line}, col {col}: {message}", line, col);
    }
}
