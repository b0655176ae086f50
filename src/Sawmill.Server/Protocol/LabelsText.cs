using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.Server.Protocol;

/// <summary>
/// Parses the label string of a pushed stream (<c>{app="api", env="prod"}</c>) as Loki does: with the Prometheus
/// metric parser, whose error texts and positions clients see (<c>1:2: parse error: unexpected character inside
/// braces: '1'</c>). Values are Go string literals ("…" or '…' with escapes, or `…`). Like Loki, the result is sorted
/// by name and labels with an empty value are dropped (an empty value means "no such label"); duplicate names are
/// kept, next to each other, for validation to report.
/// </summary>
public static class LabelsText
{
    public static List<Label>? TryParse(string text, out string? error)
    {
        var parser = new Parser(text);
        var labels = parser.Parse();
        error = parser.Error;
        if (labels == null)
            return null;
        labels.RemoveAll(l => l.Value.Length == 0);
        // Stable sort by name: duplicates stay in their order, adjacent.
        return [.. labels.OrderBy(l => l.Name, StringComparer.Ordinal)];
    }

    private enum Kind { Eof, Error, Identifier, MetricIdentifier, String, LeftBrace, RightBrace, Comma, Eql, EqlRegex, Neq, NeqRegex, Other }

    private readonly record struct Item(Kind Kind, int Pos, string Val, string? Text = null)
    {
        /// <summary>The item as the Prometheus parser names it in "unexpected …".</summary>
        public string Describe() => Kind switch
        {
            Kind.Eof => "end of input",
            Kind.Identifier => "identifier " + GoQuote.Quote(Val),
            Kind.MetricIdentifier => "metric identifier " + GoQuote.Quote(Val),
            Kind.String => "string " + (Val.Length > 10 ? GoQuote.Quote(Val[..10]) + "..." : GoQuote.Quote(Val)),
            _ => GoQuote.Quote(Val),
        };
    }

    private sealed class Parser(string input)
    {
        private int _pos;
        private bool _braceOpen;

        public string? Error { get; private set; }

        public List<Label>? Parse()
        {
            var labels = new List<Label>();
            var item = Next();
            if (item.Kind is Kind.Identifier or Kind.MetricIdentifier)
            {
                labels.Add(new Label("__name__", item.Val));
                item = Next();
                if (item.Kind == Kind.Eof)
                    return labels;
            }
            if (item.Kind != Kind.LeftBrace)
                return Unexpected(item, null, null);
            item = Next();
            if (item.Kind == Kind.RightBrace)
                return End(labels);
            while (true)
            {
                // label_set_item: IDENTIFIER EQL STRING
                if (item.Kind != Kind.Identifier)
                    return Unexpected(item, "label set", "identifier or \"}\"");
                var name = item.Val;
                item = Next();
                if (item.Kind != Kind.Eql)
                    return Unexpected(item, "label set", "\"=\"");
                item = Next();
                if (item.Kind != Kind.String)
                    return Unexpected(item, "label set", "string");
                labels.Add(new Label(name, item.Text!));
                item = Next();
                if (item.Kind == Kind.RightBrace)
                    return End(labels);
                if (item.Kind != Kind.Comma)
                    return Unexpected(item, "label set", "\",\" or \"}\"");
                item = Next();
                if (item.Kind == Kind.RightBrace)
                    return End(labels);
            }
        }

        private List<Label>? End(List<Label> labels)
        {
            var item = Next();
            return item.Kind == Kind.Eof ? labels : Unexpected(item, null, null);
        }

        private List<Label>? Unexpected(Item item, string? context, string? expected)
        {
            if (item.Kind == Kind.Error)
                return Fail(item.Pos, item.Val);
            var msg = new StringBuilder("unexpected ").Append(item.Describe());
            if (context != null)
                msg.Append(" in ").Append(context);
            if (expected != null)
                msg.Append(", expected ").Append(expected);
            return Fail(item.Pos, msg.ToString());
        }

        private List<Label>? Fail(int pos, string message)
        {
            var line = 1;
            var lineStart = 0;
            for (var i = 0; i < pos && i < input.Length; i++)
            {
                if (input[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
            Error = $"{line}:{pos - lineStart + 1}: parse error: {message}";
            return null;
        }

        /// <summary>The next item, following the Prometheus lexer's states for statements and label braces.</summary>
        private Item Next()
        {
            while (_pos < input.Length && IsSpace(input[_pos]))
                _pos++;
            var start = _pos;
            if (_pos >= input.Length)
                return _braceOpen ? new Item(Kind.Error, start, "unexpected end of input inside braces") : new Item(Kind.Eof, start, "");
            var c = input[_pos];
            if (_braceOpen)
            {
                switch (c)
                {
                    case var _ when IsAlpha(c):
                        while (_pos < input.Length && IsAlphaNumeric(input[_pos]))
                            _pos++;
                        return new Item(Kind.Identifier, start, input[start.._pos]);
                    case ',':
                        _pos++;
                        return new Item(Kind.Comma, start, ",");
                    case '"' or '\'' or '`':
                        return LexString(c);
                    case '=':
                        _pos++;
                        if (_pos < input.Length && input[_pos] == '~')
                        {
                            _pos++;
                            return new Item(Kind.EqlRegex, start, "=~");
                        }
                        return new Item(Kind.Eql, start, "=");
                    case '!':
                        _pos++;
                        if (_pos < input.Length && input[_pos] is '~' or '=')
                            return new Item(input[_pos++] == '~' ? Kind.NeqRegex : Kind.Neq, start, input[start.._pos]);
                        return new Item(Kind.Error, start,
                            $"unexpected character after '!' inside braces: {GoQuoteRune(_pos < input.Length ? input[_pos] : '\uFFFF')}");
                    case '{':
                        return new Item(Kind.Error, start, "unexpected left brace '{'");
                    case '}':
                        _pos++;
                        _braceOpen = false;
                        return new Item(Kind.RightBrace, start, "}");
                    default:
                        return new Item(Kind.Error, start, $"unexpected character inside braces: {GoQuoteRune(c)}");
                }
            }
            switch (c)
            {
                case '{':
                    _pos++;
                    _braceOpen = true;
                    return new Item(Kind.LeftBrace, start, "{");
                case '}':
                    return new Item(Kind.Error, start, "unexpected right brace '}'");
                case var _ when IsAlpha(c) || c == ':':
                    while (_pos < input.Length && (IsAlphaNumeric(input[_pos]) || input[_pos] == ':'))
                        _pos++;
                    var word = input[start.._pos];
                    return new Item(word.Contains(':', StringComparison.Ordinal) ? Kind.MetricIdentifier : Kind.Identifier, start, word);
                case '"' or '\'' or '`':
                    return LexString(c);
                case ',':
                    _pos++;
                    return new Item(Kind.Comma, start, ",");
                case '=':
                    _pos++;
                    return new Item(Kind.Eql, start, "=");
                default:
                    _pos++;
                    return new Item(Kind.Other, start, c.ToString());
            }
        }

        private Item LexString(char quote)
        {
            var start = _pos;
            var sb = new StringBuilder();
            if (!GoQuote.TryUnquote(input, ref _pos, sb, out var error))
            {
                var message = error is UnquoteError.InvalidSyntax or UnquoteError.InvalidEscape ? "unknown escape sequence" :
                    quote == '`' ? "unterminated raw string" : "unterminated quoted string";
                return new Item(Kind.Error, start, message);
            }
            return new Item(Kind.String, start, input[start.._pos], sb.ToString());
        }
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static bool IsAlpha(char c) => c == '_' || char.IsAsciiLetter(c);

    private static bool IsAlphaNumeric(char c) => IsAlpha(c) || char.IsAsciiDigit(c);

    /// <summary>Go's %q of a rune: <c>'1'</c>, <c>'-'</c>.</summary>
    private static string GoQuoteRune(char c) => c == '\'' ? "'\\''" : c == '\\' ? "'\\\\'" : $"'{c}'";
}
