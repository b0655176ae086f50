using System.Text;
using FsCheck.Xunit;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Syntax;

/// <summary>
/// Fuzz-style properties: mutated and random inputs either parse or fail with <see cref="ParseException"/> —
/// never another exception, a hang or a stack overflow. Work is bounded by counting tokens, not by time.
/// </summary>
public sealed class FuzzPropertyTests
{
    private static readonly string[] Seeds = ParserTableTests.Read().Select(c => c.Query).ToArray();

    private static readonly string[] Fragments =
    [
        "{", "}", "(", ")", "[5m]", "[", "]", "|", "|=", "!=", "|~", "!~", "|>", "!>", "\"", "`", "\\", "=", "==", ">", ">=", "<", "-", "+", "*",
        "/", "%", "^", ",", " ", "\n", "#", "sum", "by", "without", "rate", "json", "logfmt", "unwrap", "offset", "or", "and", "unless", "bool",
        "on", "group_left", "ip(", "1", "0.5", "5m", "20MB", "1e9", "x", "__error__", "label_replace", "vector", "topk", "quantile_over_time",
        "\u00e9", "\u0000", "\ud800",
    ];

    private static void ParseOrParseError(string input)
    {
        try
        {
            var e = LogQLParser.ParseExpr(input);
            // whatever parses must print to text that parses to the same tree
            Assert.Equal(e, LogQLParser.ParseExpr(e.ToString()));
        }
        catch (ParseException)
        {
        }
    }

    [Property(MaxTest = 3000)]
    public void Mutated_table_queries_parse_or_fail_cleanly(int seed)
    {
        var r = new Random(seed);
        var sb = new StringBuilder(Seeds[r.Next(Seeds.Length)]);
        for (var i = 1 + r.Next(4); i > 0; i--)
        {
            var pos = sb.Length == 0 ? 0 : r.Next(sb.Length + 1);
            switch (r.Next(4))
            {
                case 0 when sb.Length > 0 && pos < sb.Length: sb.Remove(pos, Math.Min(1 + r.Next(5), sb.Length - pos)); break;
                case 1: sb.Insert(pos, Fragments[r.Next(Fragments.Length)]); break;
                case 2 when sb.Length > 0 && pos < sb.Length: sb[pos] = (char)r.Next(32, 127); break;
                default: sb.Length = pos; break;
            }
        }
        ParseOrParseError(sb.ToString());
    }

    [Property(MaxTest = 2000)]
    public void Random_fragment_soup_parses_or_fails_cleanly(int seed)
    {
        var r = new Random(seed);
        var sb = new StringBuilder();
        for (var i = r.Next(40); i > 0; i--)
            sb.Append(Fragments[r.Next(Fragments.Length)]);
        ParseOrParseError(sb.ToString());
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("sum(", ")")]
    [InlineData("{a=\"b\"} | (", "")]
    public void Deep_nesting_is_a_parse_error_not_a_stack_overflow(string open, string close)
    {
        var n = 5000 / (open.Length + close.Length);
        var q = string.Concat(Enumerable.Repeat(open, n)) + "1" + string.Concat(Enumerable.Repeat(close, n));
        Assert.Throws<ParseException>(() => LogQLParser.ParseExpr(q));
    }

    [Fact]
    public void Long_or_chains_and_label_filter_chains_parse()
    {
        var sb = new StringBuilder("{a=\"b\"} |= \"x0\"");
        for (var i = 1; i < 300; i++)
            sb.Append(" or \"x").Append(i).Append('"');
        var e = (LogSelectorExpr)LogQLParser.ParseExpr(sb.ToString());
        Assert.Equal(300, ((LineFilterExpr)e.Stages[0]).Values.Count);

        sb.Clear().Append("{a=\"b\"} | x=\"0\"");
        for (var i = 1; i < 300; i++)
            sb.Append(", x=\"").Append(i).Append('"');
        Assert.IsType<LogSelectorExpr>(LogQLParser.ParseExpr(sb.ToString()));
    }

    [Fact]
    public void Input_over_Lokis_size_limit_is_rejected()
    {
        var q = "{a=\"" + new string('x', 6000) + "\"}";
        var ex = Assert.Throws<ParseException>(() => LogQLParser.ParseExpr(q));
        Assert.Equal($"parse error : input size too long ({q.Length} > 5120)", ex.Message);
    }

    [Fact]
    public void Empty_query_is_unexpected_end()
    {
        var ex = Assert.Throws<ParseException>(() => LogQLParser.ParseExpr(""));
        // Loki reports an error at no position (line 0, column 0) without one.
        Assert.Equal("parse error : syntax error: unexpected $end", ex.Message);
    }
}
