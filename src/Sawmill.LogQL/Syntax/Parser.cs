using System.Globalization;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Hand-written recursive-descent parser for LogQL with precedence climbing for binary operators
/// (or &lt; and/unless &lt; comparisons &lt; + - &lt; * / % &lt; ^, all left-associative but ^).
/// One instance parses one query; not thread-safe. Errors: <see cref="ParseException"/> worded like Loki's.
/// </summary>
internal sealed class Parser
{
    /// <summary>Loki rejects longer queries (maxInputSize).</summary>
    public const int MaxInputSize = 5120;

    private const int MaxDepth = 200;

    /// <summary>Label filters a comma or juxtaposition chain may hold (each nests the rest one level deeper).</summary>
    private const int MaxFilterChain = 1000;

    private int _chain;

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;
    private int _depth;

    /// <summary>
    /// A number literal Go's ParseFloat refuses: Loki keeps the error on the expression and reports it after the whole
    /// query parsed, so a later syntax error wins.
    /// </summary>
    private ParseException? _numberError;

    private readonly List<(int Token, ParseException Error)> _scanErrors = [];

    /// <summary>Set while a range aggregation's selector is parsed: the only place <c>| unwrap</c> may follow.</summary>
    private bool _unwrapAllowed;

    public Parser(string text)
    {
        if (text.Length >= MaxInputSize)
            throw Plain($"input size too long ({text.Length} > {MaxInputSize})");
        _text = text;
        _tokens = LogQLLexer.Tokenize(text, _scanErrors);
    }

    private Token Cur => _tokens[_pos];

    private Token PeekAt(int k) => _tokens[Math.Min(_pos + k, _tokens.Count - 1)];

    private Token Advance() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private bool IsWord(string word) => Cur.Kind == TokenKind.Identifier && Cur.Text == word;

    private bool IsWordAt(int k, string word) => PeekAt(k).Kind == TokenKind.Identifier && PeekAt(k).Text == word;

    public static ParseException Plain(string message) => new("parse error : " + message);

    private ParseException Unexpected(Token t, string? expecting = null)
    {
        // Loki's lexer reports what its scanner complained about (a bad octal digit) before a later syntax error.
        foreach (var (index, error) in _scanErrors)
            if (index <= _tokens.IndexOf(t))
                return error;
        var message = "syntax error: unexpected " + Describe(t) + (expecting == null ? "" : ", expecting " + expecting);
        // Loki's scanner has no position yet for an empty query: its error has none.
        if (_text.Length == 0)
            return Plain(message);
        return t.NoLine ? LogQLLexer.ErrorNoLine(_text, t.Start, message) : LogQLLexer.Error(_text, t.Start, message);
    }

    /// <summary>Whether the word at offset k is a keyword there (function words only before a call).</summary>
    private bool IsKeywordAt(int k)
    {
        var t = PeekAt(k);
        if (t.Kind != TokenKind.Identifier || !LogQLNames.Keywords.Contains(t.Text))
            return false;
        if (!LogQLNames.FunctionWords.Contains(t.Text))
            return true;
        var next = PeekAt(k + 1);
        return next.Kind == TokenKind.LParen ||
               (next.Kind == TokenKind.Identifier && next.Text is "by" or "without" && PeekAt(k + 2).Kind == TokenKind.LParen);
    }

    private string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "$end",
        TokenKind.Identifier => !t.Other && LogQLNames.Keywords.Contains(t.Text) && IsKeywordAt(_tokens.IndexOf(t) - _pos) ? LogQLNames.TokenName(t.Text) : "IDENTIFIER",
        TokenKind.String => "STRING",
        TokenKind.Number => "NUMBER",
        TokenKind.Duration => "DURATION",
        TokenKind.Bytes => "BYTES",
        TokenKind.Range => "RANGE",
        TokenKind.Flag => "FUNCTION_FLAG",
        _ => t.Text,
    };

    /// <summary>
    /// A ')' after a complete expression: Loki's parser could still reduce there, so its error lists no expected
    /// tokens.
    /// </summary>
    private void ExpectCloseAfterExpression()
    {
        if (Cur.Kind != TokenKind.RParen)
            throw Unexpected(Cur);
        Advance();
    }

    private Token Expect(TokenKind kind, string expecting)
    {
        if (Cur.Kind != kind)
            throw Unexpected(Cur, expecting);
        return Advance();
    }

    // ---------------------------------------------------------------- entry points

    public Expr ParseQuery()
    {
        var e = ParseBinary(0);
        if (Cur.Kind != TokenKind.End)
            throw Unexpected(Cur);
        if (_scanErrors.Count > 0)
            throw _scanErrors[0].Error;
        if (_numberError != null)
            throw _numberError;
        return e;
    }

    public IReadOnlyList<LabelMatcher> ParseMatchersOnly()
    {
        var m = ParseMatchers();
        if (Cur.Kind != TokenKind.End)
            throw Unexpected(Cur);
        return m;
    }

    public LogSelectorExpr ParseLogSelectorOnly()
    {
        if (Cur.Kind != TokenKind.LBrace)
            throw Unexpected(Cur, "{");
        var e = ParseLogSelector();
        if (Cur.Kind != TokenKind.End)
            throw Unexpected(Cur);
        return e;
    }

    // ---------------------------------------------------------------- binary operators

    private static int Precedence(BinaryOp op) => op switch
    {
        BinaryOp.Or => 1,
        BinaryOp.And or BinaryOp.Unless => 2,
        BinaryOp.Eq or BinaryOp.Neq or BinaryOp.Gt or BinaryOp.Gte or BinaryOp.Lt or BinaryOp.Lte => 3,
        BinaryOp.Add or BinaryOp.Sub => 4,
        BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod => 5,
        _ => 6,
    };

    private BinaryOp? CurrentBinaryOp() => Cur.Kind switch
    {
        TokenKind.Identifier => Cur.Text switch
        {
            "or" => BinaryOp.Or,
            "and" => BinaryOp.And,
            "unless" => BinaryOp.Unless,
            _ => null,
        },
        TokenKind.CmpEq => BinaryOp.Eq,
        TokenKind.NotEq => BinaryOp.Neq,
        TokenKind.Gt => BinaryOp.Gt,
        TokenKind.Gte => BinaryOp.Gte,
        TokenKind.Lt => BinaryOp.Lt,
        TokenKind.Lte => BinaryOp.Lte,
        TokenKind.Add => BinaryOp.Add,
        TokenKind.Sub => BinaryOp.Sub,
        TokenKind.Mul => BinaryOp.Mul,
        TokenKind.Div => BinaryOp.Div,
        TokenKind.Mod => BinaryOp.Mod,
        TokenKind.Pow => BinaryOp.Pow,
        _ => null,
    };

    private Expr ParseBinary(int minPrec)
    {
        if (++_depth > MaxDepth)
            throw LogQLLexer.Error(_text, Cur.Start, "syntax error: expression nested too deeply");
        var left = ParseUnary();
        while (true)
        {
            var op = CurrentBinaryOp();
            if (op == null)
                break;
            var prec = Precedence(op.Value);
            if (prec < minPrec)
                break;
            Advance();
            var returnBool = false;
            VectorMatching? matching = null;
            if (IsWord("bool"))
            {
                Advance();
                returnBool = true;
            }
            if (IsWord("on") || IsWord("ignoring"))
            {
                var on = Advance().Text == "on";
                var labels = ParseLabelList();
                var card = MatchCardinality.OneToOne;
                var include = EquatableArray<string>.Empty;
                if (IsWord("group_left") || IsWord("group_right"))
                {
                    card = Advance().Text == "group_left" ? MatchCardinality.ManyToOne : MatchCardinality.OneToMany;
                    if (Cur.Kind == TokenKind.LParen)
                        include = ParseLabelList();
                }
                // "ignoring ()" alone is the default matching (Loki's grammar leaves its options as for no modifier).
                if (on || labels.Count > 0 || card != MatchCardinality.OneToOne)
                    matching = new VectorMatching(on, labels, card, include);
            }
            var right = ParseBinary(op == BinaryOp.Pow ? prec : prec + 1);
            left = MakeBinary(op.Value, left, right, returnBool, matching);
        }
        _depth--;
        return left;
    }

    private static string GoTypeName(Expr e) => e switch
    {
        LogSelectorExpr { Stages.Count: 0 } => "*syntax.MatchersExpr",
        LogSelectorExpr => "*syntax.PipelineExpr",
        _ => "*syntax." + e.GetType().Name,
    };

    private static Expr MakeBinary(BinaryOp op, Expr left, Expr right, bool returnBool, VectorMatching? matching)
    {
        var name = LogQLNames.Name(op);
        if (left is not SampleExpr l)
            throw Plain($"unexpected type for left leg of binary operation ({name}): {GoTypeName(left)}");
        if (right is not SampleExpr r)
            throw Plain($"unexpected type for right leg of binary operation ({name}): {GoTypeName(right)}");
        if (LogQLNames.IsSetOp(op))
        {
            if (l is LiteralExpr ll)
                throw Plain($"unexpected literal for left leg of logical/set binary operation ({name}): {ll.Value.ToString("F6", CultureInfo.InvariantCulture)}");
            if (r is LiteralExpr rl)
                throw Plain($"unexpected literal for right leg of logical/set binary operation ({name}): {rl.Value.ToString("F6", CultureInfo.InvariantCulture)}");
        }
        if (l is LiteralExpr a && r is LiteralExpr b)
            return new LiteralExpr(ScalarMath.Apply(op, a.Value, b.Value, returnBool: true));
        return new BinaryExpr(op, l, r, returnBool, matching);
    }

    private Expr ParseUnary()
    {
        var t = Cur;
        switch (t.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new LiteralExpr(Literal(t, "literal"));
            case TokenKind.Add or TokenKind.Sub:
                // Loki's grammar has a sign only in front of a number literal.
                Advance();
                if (Cur.Kind != TokenKind.Number)
                    throw Unexpected(Cur, "NUMBER");
                var n = Literal(Advance(), "literal");
                return new LiteralExpr(t.Kind == TokenKind.Sub ? -n : n);
            case TokenKind.LParen:
            {
                Advance();
                var e = ParseBinary(0);
                ExpectCloseAfterExpression();
                return e;
            }
            case TokenKind.LBrace:
                return ParseLogSelector();
            case TokenKind.Identifier:
                if (LogQLNames.TryRangeOp(t.Text, out var rop) && PeekAt(1).Kind == TokenKind.LParen)
                    return ParseRangeAggregation(rop);
                if (LogQLNames.TryVectorOp(t.Text, out var vop) && IsKeywordAt(0))
                    return ParseVectorAggregation(vop);
                if (t.Text == "vector" && PeekAt(1).Kind == TokenKind.LParen)
                    return ParseVector();
                if (t.Text == "label_replace" && PeekAt(1).Kind == TokenKind.LParen)
                    return ParseLabelReplace();
                throw Unexpected(t);
            default:
                throw Unexpected(t);
        }
    }

    // ---------------------------------------------------------------- selectors and pipelines

    private List<LabelMatcher> ParseMatchers()
    {
        Expect(TokenKind.LBrace, "{");
        var list = new List<LabelMatcher>();
        if (Cur.Kind == TokenKind.RBrace)
        {
            Advance();
            return list;
        }
        var first = true;
        while (true)
        {
            var name = ExpectLabelName(first ? "IDENTIFIER or }" : "IDENTIFIER");
            first = false;
            var opTok = Cur;
            var type = opTok.Kind switch
            {
                TokenKind.Assign => MatchType.Equal,
                TokenKind.NotEq => MatchType.NotEqual,
                TokenKind.RegexMatch => MatchType.Regex,
                TokenKind.NotRegexMatch => MatchType.NotRegex,
                _ => throw Unexpected(opTok, "= or =~ or !~ or !="),
            };
            Advance();
            var value = Expect(TokenKind.String, "STRING");
            list.Add(CreateMatcher(type, name.Text, value));
            if (Cur.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }
            if (Cur.Kind == TokenKind.RBrace)
            {
                Advance();
                return list;
            }
            throw Unexpected(Cur, "} or ,");
        }
    }

    /// <summary>A label name: an identifier that is not a keyword where it stands (Loki lexes those as keywords).</summary>
    private Token ExpectLabelName(string expecting)
    {
        if (Cur.Kind != TokenKind.Identifier || IsKeywordAt(0))
            throw Unexpected(Cur, expecting);
        return Advance();
    }

    private LabelMatcher CreateMatcher(MatchType type, string name, Token value)
    {
        try
        {
            return LabelMatcher.Create(type, name, value.Text);
        }
        catch (ArgumentException ex)
        {
            // Loki builds matchers in its grammar's actions: their errors carry no position.
            throw Plain(ex.Message);
        }
    }

    private LogSelectorExpr ParseLogSelector()
    {
        var matchers = ParseMatchers();
        var stages = ParsePipeline();
        return new LogSelectorExpr(matchers, stages);
    }

    /// <summary>Parses stages until something that is not a stage; stops before <c>| unwrap</c>.</summary>
    private List<StageExpr> ParsePipeline()
    {
        var stages = new List<StageExpr>();
        while (true)
        {
            switch (Cur.Kind)
            {
                case TokenKind.PipeExact or TokenKind.NotEq or TokenKind.PipeMatch or TokenKind.NotRegexMatch
                    or TokenKind.PipePattern or TokenKind.NotPattern:
                    stages.Add(ParseLineFilter());
                    continue;
                case TokenKind.Pipe:
                    if (IsWordAt(1, "unwrap"))
                    {
                        // Only a range aggregation's selector takes | unwrap; elsewhere Loki stops at the word.
                        if (!_unwrapAllowed)
                            throw Unexpected(PeekAt(1));
                        return stages;
                    }
                    Advance();
                    stages.Add(ParseStage());
                    continue;
                default:
                    return stages;
            }
        }
    }

    private LineFilterExpr ParseLineFilter()
    {
        var op = Advance().Kind switch
        {
            TokenKind.PipeExact => LineFilterOp.Contains,
            TokenKind.NotEq => LineFilterOp.NotContains,
            TokenKind.PipeMatch => LineFilterOp.Regex,
            TokenKind.NotRegexMatch => LineFilterOp.NotRegex,
            TokenKind.PipePattern => LineFilterOp.Pattern,
            _ => LineFilterOp.NotPattern,
        };
        var values = new List<LineFilterValue> { ParseLineFilterValue(op) };
        // Loki 3's grammar shifts an `or` after a line filter into the filter (|= "a" or "b").
        while (IsWord("or"))
        {
            Advance();
            values.Add(ParseLineFilterValue(op));
        }
        return new LineFilterExpr(op, values);
    }

    private LineFilterValue ParseLineFilterValue(LineFilterOp op)
    {
        if (IsWord("ip") && PeekAt(1).Kind == TokenKind.LParen)
        {
            Advance();
            Advance();
            var s = Expect(TokenKind.String, "STRING");
            Expect(TokenKind.RParen, ")");
            // A bad pattern is the stage's error when the query runs (PipelineCompiler), as in Loki.
            return new LineFilterValue(s.Text, true);
        }
        var v = Expect(TokenKind.String, "STRING or ip");
        return new LineFilterValue(v.Text, false);
    }

    private bool NextIsComparison(int k) => PeekAt(k).Kind is TokenKind.Assign or TokenKind.NotEq or TokenKind.RegexMatch
        or TokenKind.NotRegexMatch or TokenKind.Gt or TokenKind.Gte or TokenKind.Lt or TokenKind.Lte or TokenKind.CmpEq;

    private StageExpr ParseStage()
    {
        var t = Cur;
        if (t.Kind == TokenKind.Identifier)
        {
            switch (t.Text)
            {
                case "json":
                    Advance();
                    return new JsonParserExpr(ParseExtractions());
                case "logfmt":
                {
                    Advance();
                    bool strict = false, keepEmpty = false;
                    while (Cur.Kind == TokenKind.Flag)
                    {
                        if (Advance().Text == "--strict")
                            strict = true;
                        else
                            keepEmpty = true;
                    }
                    return new LogfmtParserExpr(strict, keepEmpty, ParseExtractions());
                }
                case "regexp":
                {
                    Advance();
                    var s = Expect(TokenKind.String, "STRING");
                    try
                    {
                        _ = new Log.RegexpParserStage(s.Text);
                    }
                    catch (ArgumentException ex)
                    {
                        throw Plain("invalid regexp parser: " + ex.Message);
                    }
                    return new RegexpParserExpr(s.Text);
                }
                case "pattern":
                {
                    Advance();
                    var s = Expect(TokenKind.String, "STRING");
                    try
                    {
                        _ = new Log.PatternParserStage(s.Text);
                    }
                    catch (ArgumentException ex)
                    {
                        throw Plain("invalid pattern parser: " + ex.Message);
                    }
                    return new PatternParserExpr(s.Text);
                }
                case "unpack":
                    Advance();
                    return new UnpackParserExpr();
                case "line_format":
                {
                    Advance();
                    var s = Expect(TokenKind.String, "STRING");
                    return new LineFormatExpr(s.Text);
                }
                case "label_format":
                {
                    Advance();
                    var list = new List<LabelFormat>();
                    do
                    {
                        if (list.Count > 0)
                            Advance();
                        var name = Expect(TokenKind.Identifier, "IDENTIFIER");
                        Expect(TokenKind.Assign, "=");
                        if (Cur.Kind == TokenKind.String)
                            list.Add(new LabelFormat(name.Text, Advance().Text, false));
                        else if (Cur.Kind == TokenKind.Identifier)
                            list.Add(new LabelFormat(name.Text, Advance().Text, true));
                        else
                            throw Unexpected(Cur, "IDENTIFIER or STRING");
                    }
                    while (Cur.Kind == TokenKind.Comma);
                    return new LabelFormatExpr(list);
                }
                case "drop":
                    Advance();
                    return new DropLabelsExpr(ParseLabelSelections());
                case "keep":
                    Advance();
                    return new KeepLabelsExpr(ParseLabelSelections());
                case "decolorize":
                    Advance();
                    return new DecolorizeExpr();
            }
        }
        if ((t.Kind == TokenKind.Identifier && !IsKeywordAt(0)) || t.Kind == TokenKind.LParen)
            return new LabelFilterStageExpr(ParseLabelFilterOr());
        throw Unexpected(t);
    }

    private List<LabelExtraction> ParseExtractions()
    {
        var list = new List<LabelExtraction>();
        if (Cur.Kind != TokenKind.Identifier || IsKeywordAt(0) && !NextIsComparison(1) && PeekAt(1).Kind != TokenKind.Comma)
            return list;
        while (true)
        {
            var name = Expect(TokenKind.Identifier, "IDENTIFIER");
            if (Cur.Kind == TokenKind.Assign)
            {
                Advance();
                var expr = Expect(TokenKind.String, "STRING");
                list.Add(new LabelExtraction(name.Text, expr.Text));
            }
            else
            {
                list.Add(new LabelExtraction(name.Text, name.Text));
            }
            if (Cur.Kind != TokenKind.Comma)
                return list;
            Advance();
        }
    }

    private List<LabelSelection> ParseLabelSelections()
    {
        var list = new List<LabelSelection>();
        while (true)
        {
            var name = Expect(TokenKind.Identifier, "IDENTIFIER");
            if (Cur.Kind is TokenKind.Assign or TokenKind.NotEq or TokenKind.RegexMatch or TokenKind.NotRegexMatch)
            {
                var type = Advance().Kind switch
                {
                    TokenKind.Assign => MatchType.Equal,
                    TokenKind.NotEq => MatchType.NotEqual,
                    TokenKind.RegexMatch => MatchType.Regex,
                    _ => MatchType.NotRegex,
                };
                var v = Expect(TokenKind.String, "STRING");
                list.Add(new LabelSelection(name.Text, CreateMatcher(type, name.Text, v)));
            }
            else
            {
                list.Add(new LabelSelection(name.Text, null));
            }
            if (Cur.Kind != TokenKind.Comma)
                return list;
            Advance();
        }
    }

    // ---------------------------------------------------------------- label filters

    private LabelFilterExpr ParseLabelFilterOr()
    {
        if (++_depth > MaxDepth)
            throw LogQLLexer.Error(_text, Cur.Start, "syntax error: expression nested too deeply");
        var left = ParseLabelFilterAnd();
        while (IsWord("or"))
        {
            Advance();
            left = new BinaryLabelFilterExpr(left, false, ParseLabelFilterAnd());
        }
        _depth--;
        return left;
    }

    /// <summary>
    /// Label filters joined by <c>and</c> (left to right). As in Loki's grammar, where a comma or two filters side by
    /// side have no precedence and yacc shifts, a comma (or juxtaposition) after a filter joins it with everything
    /// that follows: <c>a and b , c or d</c> is <c>a and (b , (c or d))</c>.
    /// </summary>
    private LabelFilterExpr ParseLabelFilterAnd()
    {
        var left = ParseLabelFilterWithRest();
        while (IsWord("and"))
        {
            Advance();
            left = new BinaryLabelFilterExpr(left, true, ParseLabelFilterWithRest());
        }
        return left;
    }

    private LabelFilterExpr ParseLabelFilterWithRest()
    {
        var first = ParseLabelFilterPrimary();
        if (Cur.Kind == TokenKind.Comma)
            Advance();
        else if (!(Cur.Kind == TokenKind.LParen || (Cur.Kind == TokenKind.Identifier && !IsKeywordAt(0))))
            return first;
        // Each comma nests what follows one level deeper; long flat lists of filters are common, so they have their own
        // (larger) budget instead of the general nesting limit.
        if (++_chain > MaxFilterChain)
            throw LogQLLexer.Error(_text, Cur.Start, "syntax error: expression nested too deeply");
        _depth--;
        var rest = ParseLabelFilterOr();
        _depth++;
        _chain--;
        return new BinaryLabelFilterExpr(first, true, rest);
    }

    private LabelFilterExpr ParseLabelFilterPrimary()
    {
        if (Cur.Kind == TokenKind.LParen)
        {
            Advance();
            var inner = ParseLabelFilterOr();
            if (Cur.Kind != TokenKind.RParen)
                throw Unexpected(Cur);
            Advance();
            return inner;
        }
        var name = ExpectLabelName("IDENTIFIER or (");
        var opTok = Advance();
        switch (opTok.Kind)
        {
            case TokenKind.Assign or TokenKind.NotEq:
                if (Cur.Kind == TokenKind.String)
                {
                    var v = Advance();
                    return new StringLabelFilterExpr(CreateMatcher(opTok.Kind == TokenKind.Assign ? MatchType.Equal : MatchType.NotEqual, name.Text, v));
                }
                if (IsWord("ip") && PeekAt(1).Kind == TokenKind.LParen)
                {
                    Advance();
                    Advance();
                    var s = Expect(TokenKind.String, "STRING");
                    Expect(TokenKind.RParen, ")");
                    return new IpLabelFilterExpr(name.Text, opTok.Kind == TokenKind.Assign, s.Text);
                }
                return ParseValueFilter(name.Text, opTok.Kind == TokenKind.Assign ? ComparisonOp.Eq : ComparisonOp.Neq);
            case TokenKind.RegexMatch or TokenKind.NotRegexMatch:
            {
                var v = Expect(TokenKind.String, "STRING");
                return new StringLabelFilterExpr(CreateMatcher(opTok.Kind == TokenKind.RegexMatch ? MatchType.Regex : MatchType.NotRegex, name.Text, v));
            }
            case TokenKind.Gt: return ParseValueFilter(name.Text, ComparisonOp.Gt);
            case TokenKind.Gte: return ParseValueFilter(name.Text, ComparisonOp.Gte);
            case TokenKind.Lt: return ParseValueFilter(name.Text, ComparisonOp.Lt);
            case TokenKind.Lte: return ParseValueFilter(name.Text, ComparisonOp.Lte);
            case TokenKind.CmpEq: return ParseValueFilter(name.Text, ComparisonOp.Eq);
            default:
                throw Unexpected(opTok);
        }
    }

    /// <summary>
    /// A number (Loki 3: a literal, so with an optional sign; a value Go's ParseFloat refuses counts as 0, as Loki 3
    /// ignores the literal's error there), a duration or a byte size.
    /// </summary>
    private LabelFilterExpr ParseValueFilter(string name, ComparisonOp op)
    {
        var sign = 1.0;
        if (Cur.Kind is TokenKind.Sub or TokenKind.Add)
        {
            if (Advance().Kind == TokenKind.Sub)
                sign = -1;
            if (Cur.Kind != TokenKind.Number)
                throw Unexpected(Cur, "NUMBER");
        }
        var t = Cur;
        switch (t.Kind)
        {
            case TokenKind.Number:
                Advance();
                return new NumericLabelFilterExpr(name, op, sign * t.Number);
            case TokenKind.Duration:
                Advance();
                return new DurationLabelFilterExpr(name, op, t.Nanos);
            case TokenKind.Bytes:
                Advance();
                return new BytesLabelFilterExpr(name, op, t.Number);
            default:
                throw Unexpected(t);
        }
    }

    // ---------------------------------------------------------------- metric expressions

    private List<string> ParseLabelList()
    {
        Expect(TokenKind.LParen, "(");
        var list = new List<string>();
        if (Cur.Kind == TokenKind.RParen)
        {
            Advance();
            return list;
        }
        while (true)
        {
            list.Add(ExpectLabelName(list.Count == 0 ? "IDENTIFIER or )" : "IDENTIFIER").Text);
            if (Cur.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }
            Expect(TokenKind.RParen, ", or )");
            return list;
        }
    }

    private Grouping? ParseGroupingOpt()
    {
        if (!IsWord("by") && !IsWord("without"))
            return null;
        var without = Advance().Text == "without";
        return new Grouping(without, ParseLabelList());
    }

    private SampleExpr ParseRangeAggregation(RangeOp op)
    {
        var name = Advance().Text;
        Advance(); // (
        string? param = null;
        if (Cur.Kind == TokenKind.Number)
        {
            param = Advance().Text;
            Expect(TokenKind.Comma, ",");
            if (Cur.Kind is not (TokenKind.LBrace or TokenKind.LParen))
                throw Unexpected(Cur, "{ or (");
        }
        else if (Cur.Kind is not (TokenKind.LBrace or TokenKind.LParen))
        {
            throw Unexpected(Cur, "NUMBER or { or (");
        }
        var range = ParseLogRange();
        Expect(TokenKind.RParen, ")");
        var grouping = ParseGroupingOpt();

        double? parameter = null;
        if (param != null)
        {
            if (op != RangeOp.QuantileOverTime)
                throw Plain($"parameter {param} not supported for operation {name}");
            if (!GoFloat.TryParse(param, out var q))
                throw Plain($"invalid parameter for operation {name}: {GoFloat.SyntaxError(param)}");
            parameter = q;
        }
        else if (op == RangeOp.QuantileOverTime)
        {
            throw Plain($"parameter required for operation {name}");
        }
        if (grouping != null && op is not (RangeOp.AvgOverTime or RangeOp.StddevOverTime or RangeOp.StdvarOverTime
                or RangeOp.QuantileOverTime or RangeOp.MaxOverTime or RangeOp.MinOverTime or RangeOp.FirstOverTime or RangeOp.LastOverTime))
            throw Plain($"grouping not allowed for {name} aggregation");
        if (range.Unwrap != null)
        {
            if (op is RangeOp.CountOverTime or RangeOp.BytesOverTime or RangeOp.BytesRate)
                throw Plain($"invalid aggregation {name} with unwrap");
        }
        else if (op is not (RangeOp.BytesOverTime or RangeOp.BytesRate or RangeOp.CountOverTime or RangeOp.Rate or RangeOp.AbsentOverTime))
        {
            throw Plain($"invalid aggregation {name} without unwrap");
        }
        return new RangeAggregationExpr(op, range, parameter, grouping);
    }

    /// <summary>
    /// A range aggregation's argument in each of Loki 3's forms: <c>selector [pipeline] [| unwrap] [range] [offset]</c>,
    /// the older <c>selector [range] [offset] [pipeline] [| unwrap]</c>, <c>(selector [pipeline] [| unwrap]) [range]
    /// [offset]</c>, and any of them in parentheses.
    /// </summary>
    private LogRangeExpr ParseLogRange()
    {
        var allowed = _unwrapAllowed;
        _unwrapAllowed = true;
        try
        {
            if (Cur.Kind != TokenKind.LParen)
            {
                if (Cur.Kind != TokenKind.LBrace)
                    throw Unexpected(Cur);
                return ParseLogRangeFrom(ParseMatchers());
            }
            Advance();
            if (Cur.Kind == TokenKind.LParen)
            {
                var nested = ParseLogRange();
                ExpectCloseAfterExpression();
                return nested;
            }
            if (Cur.Kind != TokenKind.LBrace)
                throw Unexpected(Cur);
            var matchers = ParseMatchers();
            if (Cur.Kind == TokenKind.Range)
            {
                var inner = ParseLogRangeFrom(matchers);
                ExpectCloseAfterExpression();
                return inner;
            }
            var stages = ParsePipeline();
            var unwrap = ParseUnwrapOpt();
            if (Cur.Kind == TokenKind.Range)
            {
                var inner = FinishLogRange(new LogSelectorExpr(matchers, stages), unwrap);
                ExpectCloseAfterExpression();
                return inner;
            }
            ExpectCloseAfterExpression();
            return FinishLogRange(new LogSelectorExpr(matchers, stages), unwrap);
        }
        finally
        {
            _unwrapAllowed = allowed;
        }
    }

    private LogRangeExpr ParseLogRangeFrom(List<LabelMatcher> matchers)
    {
        if (Cur.Kind == TokenKind.Range)
        {
            // Older form: the range (and offset) right after the selector, then the pipeline.
            var rangeNs = Advance().Nanos;
            var offset = ParseOffsetOpt();
            var stages = ParsePipeline();
            var unwrap = ParseUnwrapOpt();
            return new LogRangeExpr(new LogSelectorExpr(matchers, stages), rangeNs, unwrap, offset);
        }
        var selector = new LogSelectorExpr(matchers, ParsePipeline());
        return FinishLogRange(selector, ParseUnwrapOpt());
    }

    /// <summary>The range and an optional offset after a selector and its pipeline.</summary>
    private LogRangeExpr FinishLogRange(LogSelectorExpr selector, UnwrapExpr? unwrap)
    {
        if (Cur.Kind != TokenKind.Range)
            // Without unwrap the pipeline could go on, so Loki's error lists nothing.
            throw unwrap == null ? Unexpected(Cur) : Unexpected(Cur, "RANGE or |");
        var rangeNs = Advance().Nanos;
        return new LogRangeExpr(selector, rangeNs, unwrap, ParseOffsetOpt());
    }

    private long ParseOffsetOpt()
    {
        if (!IsWord("offset"))
            return 0;
        Advance();
        // A negative offset is one DURATION token (-5m), as Loki's lexer reads it.
        return Expect(TokenKind.Duration, "DURATION").Nanos;
    }

    private UnwrapExpr? ParseUnwrapOpt()
    {
        if (!(Cur.Kind == TokenKind.Pipe && IsWordAt(1, "unwrap")))
            return null;
        Advance();
        Advance();
        var conversion = UnwrapConversion.None;
        string label;
        if (Cur.Kind != TokenKind.Identifier || (IsKeywordAt(0) && Cur.Text is not ("duration" or "duration_seconds" or "bytes")))
            throw Unexpected(Cur, "IDENTIFIER or BYTES_CONV or DURATION_CONV or DURATION_SECONDS_CONV");
        if (PeekAt(1).Kind == TokenKind.LParen && Cur.Text is "duration" or "duration_seconds" or "bytes")
        {
            conversion = Advance().Text switch
            {
                "duration" => UnwrapConversion.Duration,
                "duration_seconds" => UnwrapConversion.DurationSeconds,
                _ => UnwrapConversion.Bytes,
            };
            Advance();
            label = Expect(TokenKind.Identifier, "IDENTIFIER").Text;
            Expect(TokenKind.RParen, ")");
        }
        else
        {
            label = Expect(TokenKind.Identifier, "IDENTIFIER").Text;
        }
        var post = new List<LabelFilterExpr>();
        while (Cur.Kind == TokenKind.Pipe)
        {
            Advance();
            if (!(Cur.Kind == TokenKind.LParen || (Cur.Kind == TokenKind.Identifier && !IsKeywordAt(0))))
                throw Unexpected(Cur, "IDENTIFIER or (");
            post.Add(ParseLabelFilterOr());
        }
        return new UnwrapExpr(label, conversion, post);
    }

    private SampleExpr ParseVectorAggregation(VectorOp op)
    {
        var name = Advance().Text;
        var grouping = ParseGroupingOpt();
        Expect(TokenKind.LParen, "(");
        string? param = null;
        // Only an unsigned number is a parameter (-1 would start the expression argument).
        if (Cur.Kind == TokenKind.Number && PeekAt(1).Kind == TokenKind.Comma)
        {
            param = Advance().Text;
            Advance();
        }
        var inner = ParseBinary(0);
        // A log selector is no metric expression: Loki's parser fails at the token after it.
        if (inner is not SampleExpr sample)
            throw Unexpected(Cur);
        ExpectCloseAfterExpression();
        grouping ??= ParseGroupingOpt();

        var k = 0;
        switch (op)
        {
            case VectorOp.TopK or VectorOp.BottomK or VectorOp.ApproxTopK:
                if (param == null)
                    throw Plain($"parameter required for operation {name}");
                if (!int.TryParse(param, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out k))
                    throw Plain($"invalid parameter {name}({param},");
                if (k <= 0)
                    throw Plain($"invalid parameter (must be greater than 0) {name}({param}");
                if (op == VectorOp.ApproxTopK && grouping != null)
                    throw Plain($"grouping not allowed for {name} aggregation");
                break;
            default:
                if (param != null)
                    throw Plain($"unsupported parameter for operation {name}({param},");
                break;
        }
        if (op is VectorOp.Sort or VectorOp.SortDesc && grouping is { Labels.Count: > 0 })
            throw Plain("sort and sort_desc doesn't allow grouping by ");
        return new VectorAggregationExpr(op, sample, grouping ?? Grouping.None, k);
    }

    private SampleExpr ParseVector()
    {
        Advance();
        Advance();
        var n = Literal(Expect(TokenKind.Number, "NUMBER"), "vectorExpr");
        Expect(TokenKind.RParen, ")");
        return new VectorExpr(n);
    }

    /// <summary>A number token's value; one Go's ParseFloat refuses becomes the query's error once it has parsed.</summary>
    private double Literal(Token t, string what)
    {
        if (t.Invalid)
            _numberError ??= Plain($"unable to parse {what} as a float: {GoFloat.SyntaxError(t.Text)}");
        return t.Number;
    }

    private SampleExpr ParseLabelReplace()
    {
        Advance();
        Advance();
        var inner = ParseBinary(0);
        // After the first argument Loki's parser could still reduce: no expected tokens in its errors; a log
        // selector is refused at the token after it.
        if (inner is not SampleExpr sample || Cur.Kind != TokenKind.Comma)
            throw Unexpected(Cur);
        var args = new string[4];
        for (var i = 0; i < 4; i++)
        {
            if (i > 0)
                Expect(TokenKind.Comma, ",");
            else
                Advance();
            args[i] = Expect(TokenKind.String, "STRING").Text;
        }
        Expect(TokenKind.RParen, ")");
        try
        {
            Re2.Compile(args[3], anchored: true);
        }
        catch (ArgumentException ex)
        {
            throw Plain("invalid regex in label_replace: " + ex.Message);
        }
        return new LabelReplaceExpr(sample, args[0], args[1], args[2], args[3]);
    }
}
