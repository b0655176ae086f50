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

    private readonly string _text;
    private readonly List<Token> _tokens;
    private int _pos;
    private int _depth;

    public Parser(string text)
    {
        if (text.Length >= MaxInputSize)
            throw Plain($"input size too long ({text.Length} > {MaxInputSize})");
        _text = text;
        _tokens = LogQLLexer.Tokenize(text);
    }

    private Token Cur => _tokens[_pos];

    private Token PeekAt(int k) => _tokens[Math.Min(_pos + k, _tokens.Count - 1)];

    private Token Advance() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private bool IsWord(string word) => Cur.Kind == TokenKind.Identifier && Cur.Text == word;

    private bool IsWordAt(int k, string word) => PeekAt(k).Kind == TokenKind.Identifier && PeekAt(k).Text == word;

    public static ParseException Plain(string message) => new("parse error : " + message);

    private ParseException Unexpected(Token t, string? expecting = null) =>
        LogQLLexer.Error(_text, t.Start, "syntax error: unexpected " + Describe(t) + (expecting == null ? "" : ", expecting " + expecting));

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "$end",
        TokenKind.Identifier => LogQLNames.Keywords.Contains(t.Text) ? t.Text : "IDENTIFIER",
        TokenKind.String => "STRING",
        TokenKind.Number => "NUMBER",
        TokenKind.Duration => "DURATION",
        TokenKind.Bytes => "BYTES",
        TokenKind.Range => "RANGE",
        _ => t.Text,
    };

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
                return new LiteralExpr(t.Number);
            case TokenKind.Add or TokenKind.Sub when PeekAt(1).Kind == TokenKind.Number:
                Advance();
                var n = Advance();
                return new LiteralExpr(t.Kind == TokenKind.Sub ? -n.Number : n.Number);
            case TokenKind.LParen:
            {
                Advance();
                var e = ParseBinary(0);
                Expect(TokenKind.RParen, ")");
                return e;
            }
            case TokenKind.LBrace:
                return ParseLogSelector();
            case TokenKind.Identifier when t.Text.Equals("NaN", StringComparison.OrdinalIgnoreCase):
                Advance();
                return new LiteralExpr(double.NaN);
            case TokenKind.Identifier when t.Text.Equals("Inf", StringComparison.OrdinalIgnoreCase):
                Advance();
                return new LiteralExpr(double.PositiveInfinity);
            case TokenKind.Add or TokenKind.Sub when PeekAt(1).Kind == TokenKind.Identifier && PeekAt(1).Text.Equals("Inf", StringComparison.OrdinalIgnoreCase):
                Advance();
                Advance();
                return new LiteralExpr(t.Kind == TokenKind.Sub ? double.NegativeInfinity : double.PositiveInfinity);
            case TokenKind.Identifier:
                if (LogQLNames.TryRangeOp(t.Text, out var rop) && PeekAt(1).Kind == TokenKind.LParen)
                    return ParseRangeAggregation(rop);
                if (LogQLNames.TryVectorOp(t.Text, out var vop) &&
                    (PeekAt(1).Kind == TokenKind.LParen || IsWordAt(1, "by") || IsWordAt(1, "without")))
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
        while (true)
        {
            var name = Expect(TokenKind.Identifier, "IDENTIFIER");
            var opTok = Cur;
            var type = opTok.Kind switch
            {
                TokenKind.Assign => MatchType.Equal,
                TokenKind.NotEq => MatchType.NotEqual,
                TokenKind.RegexMatch => MatchType.Regex,
                TokenKind.NotRegexMatch => MatchType.NotRegex,
                _ => throw Unexpected(opTok, "!= or !~ or =~ or ="),
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

    private LabelMatcher CreateMatcher(MatchType type, string name, Token value)
    {
        try
        {
            return LabelMatcher.Create(type, name, value.Text);
        }
        catch (ArgumentException ex)
        {
            throw LogQLLexer.Error(_text, value.Start, ex.Message);
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
                        return stages;
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
        while (IsWord("or") && (PeekAt(1).Kind == TokenKind.String || (IsWordAt(1, "ip") && PeekAt(2).Kind == TokenKind.LParen)))
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
            if (!IpPattern.TryParse(s.Text, out _))
                throw LogQLLexer.Error(_text, s.Start, $"invalid ip pattern: {s.Text}");
            return new LineFilterValue(s.Text, true);
        }
        var v = Expect(TokenKind.String, "STRING");
        if (op is LineFilterOp.Regex or LineFilterOp.NotRegex)
        {
            try
            {
                Re2.Compile(v.Text, anchored: false);
            }
            catch (ArgumentException ex)
            {
                throw LogQLLexer.Error(_text, v.Start, ex.Message);
            }
        }
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
                    while (Cur.Kind == TokenKind.Sub && PeekAt(1).Kind == TokenKind.Sub && PeekAt(2).Kind == TokenKind.Identifier
                           && PeekAt(1).Start == Cur.End && PeekAt(2).Start == PeekAt(1).End)
                    {
                        var flag = PeekAt(2).Text;
                        if (flag == "strict")
                            strict = true;
                        else if (flag == "keep")
                        {
                            // --keep-empty lexes as - - keep - empty
                            if (!(PeekAt(3).Kind == TokenKind.Sub && PeekAt(4).Kind == TokenKind.Identifier && PeekAt(4).Text == "empty"))
                                throw Unexpected(PeekAt(2));
                            keepEmpty = true;
                            Advance();
                            Advance();
                        }
                        else
                            throw Unexpected(PeekAt(2));
                        Advance();
                        Advance();
                        Advance();
                    }
                    return new LogfmtParserExpr(strict, keepEmpty, ParseExtractions());
                }
                case "regexp":
                {
                    Advance();
                    var s = Expect(TokenKind.String, "STRING");
                    try
                    {
                        ValidateRegexpParser(s.Text);
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
        if (t.Kind is TokenKind.Identifier or TokenKind.LParen)
            return new LabelFilterStageExpr(ParseLabelFilterOr());
        throw Unexpected(t);
    }

    private List<LabelExtraction> ParseExtractions()
    {
        var list = new List<LabelExtraction>();
        if (Cur.Kind != TokenKind.Identifier || LogQLNames.Keywords.Contains(Cur.Text) && !NextIsComparison(1) && PeekAt(1).Kind != TokenKind.Comma)
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

    /// <summary>Loki requires a valid RE2 regex with at least one named capture group.</summary>
    private static void ValidateRegexpParser(string pattern)
    {
        var re = Re2.Compile(pattern, anchored: false);
        var named = false;
        foreach (var n in re.GetGroupNames())
            if (!int.TryParse(n, out _))
                named = true;
        if (!named)
            throw new ArgumentException("at least one named capture must be supplied");
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

    private LabelFilterExpr ParseLabelFilterAnd()
    {
        var left = ParseLabelFilterPrimary();
        while (true)
        {
            if (IsWord("and") || Cur.Kind == TokenKind.Comma)
                Advance();
            else if (!(Cur.Kind == TokenKind.LParen || (Cur.Kind == TokenKind.Identifier && Cur.Text != "or" && NextIsComparison(1))))
                return left;
            left = new BinaryLabelFilterExpr(left, true, ParseLabelFilterPrimary());
        }
    }

    private LabelFilterExpr ParseLabelFilterPrimary()
    {
        if (Cur.Kind == TokenKind.LParen)
        {
            Advance();
            var inner = ParseLabelFilterOr();
            Expect(TokenKind.RParen, ")");
            return inner;
        }
        var name = Expect(TokenKind.Identifier, "IDENTIFIER");
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
                    if (!IpPattern.TryParse(s.Text, out _))
                        throw LogQLLexer.Error(_text, s.Start, $"invalid ip pattern: {s.Text}");
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

    private LabelFilterExpr ParseValueFilter(string name, ComparisonOp op)
    {
        var sign = 1.0;
        if (Cur.Kind is TokenKind.Sub or TokenKind.Add && PeekAt(1).Kind == TokenKind.Number)
        {
            if (Advance().Kind == TokenKind.Sub)
                sign = -1;
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
            list.Add(Expect(TokenKind.Identifier, "IDENTIFIER").Text);
            if (Cur.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }
            Expect(TokenKind.RParen, ") or ,");
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
        if ((Cur.Kind == TokenKind.Number && PeekAt(1).Kind == TokenKind.Comma) ||
            (Cur.Kind is TokenKind.Sub or TokenKind.Add && PeekAt(1).Kind == TokenKind.Number && PeekAt(2).Kind == TokenKind.Comma))
        {
            var start = Cur.Start;
            if (Cur.Kind != TokenKind.Number)
                Advance();
            var n = Advance();
            param = _text[start..n.End];
            Advance(); // ,
        }
        var range = ParseLogRange();
        Expect(TokenKind.RParen, ")");
        var grouping = ParseGroupingOpt();

        double? parameter = null;
        if (param != null)
        {
            if (op != RangeOp.QuantileOverTime)
                throw Plain($"parameter {param} not supported for operation {name}");
            parameter = double.Parse(param, NumberStyles.Float, CultureInfo.InvariantCulture);
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

    private LogRangeExpr ParseLogRange()
    {
        LogSelectorExpr selector;
        UnwrapExpr? unwrap;
        long rangeNs;
        if (Cur.Kind == TokenKind.LParen)
        {
            // Legacy form: (selector | pipeline [| unwrap x]) [5m]
            Advance();
            selector = ParseLogSelectorStrict();
            unwrap = ParseUnwrapOpt();
            Expect(TokenKind.RParen, ")");
            rangeNs = Expect(TokenKind.Range, "RANGE").Nanos;
        }
        else
        {
            if (Cur.Kind != TokenKind.LBrace)
                throw Unexpected(Cur);
            var matchers = ParseMatchers();
            if (Cur.Kind == TokenKind.Range)
            {
                // Legacy form: selector [5m] | pipeline [| unwrap x]
                rangeNs = Advance().Nanos;
                var stages = ParsePipeline();
                unwrap = ParseUnwrapOpt();
                selector = new LogSelectorExpr(matchers, stages);
            }
            else
            {
                var stages = ParsePipeline();
                selector = new LogSelectorExpr(matchers, stages);
                unwrap = ParseUnwrapOpt();
                rangeNs = Expect(TokenKind.Range, "RANGE").Nanos;
            }
        }
        long offset = 0;
        if (IsWord("offset"))
        {
            Advance();
            var neg = false;
            if (Cur.Kind == TokenKind.Sub)
            {
                Advance();
                neg = true;
            }
            var d = Expect(TokenKind.Duration, "DURATION");
            offset = neg ? -d.Nanos : d.Nanos;
        }
        return new LogRangeExpr(selector, rangeNs, unwrap, offset);
    }

    private LogSelectorExpr ParseLogSelectorStrict()
    {
        if (Cur.Kind == TokenKind.LParen)
        {
            Advance();
            var inner = ParseLogSelectorStrict();
            Expect(TokenKind.RParen, ")");
            return inner;
        }
        if (Cur.Kind != TokenKind.LBrace)
            throw Unexpected(Cur);
        return ParseLogSelector();
    }

    private UnwrapExpr? ParseUnwrapOpt()
    {
        if (!(Cur.Kind == TokenKind.Pipe && IsWordAt(1, "unwrap")))
            return null;
        Advance();
        Advance();
        var conversion = UnwrapConversion.None;
        string label;
        if (Cur.Kind == TokenKind.Identifier && PeekAt(1).Kind == TokenKind.LParen &&
            Cur.Text is "duration" or "duration_seconds" or "bytes")
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
        if ((Cur.Kind == TokenKind.Number && PeekAt(1).Kind == TokenKind.Comma) ||
            (Cur.Kind is TokenKind.Sub or TokenKind.Add && PeekAt(1).Kind == TokenKind.Number && PeekAt(2).Kind == TokenKind.Comma))
        {
            var start = Cur.Start;
            if (Cur.Kind != TokenKind.Number)
                Advance();
            var n = Advance();
            param = _text[start..n.End];
            Advance();
        }
        if (Cur.Kind == TokenKind.LBrace)
            throw Unexpected(Cur);
        var innerStart = Cur;
        var inner = ParseBinary(0);
        if (inner is not SampleExpr sample)
            throw Unexpected(innerStart);
        Expect(TokenKind.RParen, ")");
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
        var sign = 1.0;
        if (Cur.Kind is TokenKind.Sub or TokenKind.Add)
            sign = Advance().Kind == TokenKind.Sub ? -1 : 1;
        var n = Expect(TokenKind.Number, "NUMBER");
        Expect(TokenKind.RParen, ")");
        return new VectorExpr(sign * n.Number);
    }

    private SampleExpr ParseLabelReplace()
    {
        Advance();
        Advance();
        var innerStart = Cur;
        var inner = ParseBinary(0);
        if (inner is not SampleExpr sample)
            throw Unexpected(innerStart);
        var args = new string[4];
        for (var i = 0; i < 4; i++)
        {
            Expect(TokenKind.Comma, ",");
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
