using System.Text;
using Sawmill.LogQL.Log;
using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Log;

public sealed class LineFilterTests
{
    private static bool M(LineFilter f, string line) => f.Matches(Encoding.UTF8.GetBytes(line));

    [Theory]
    [InlineData(LineFilterOp.Contains, new[] { "error" }, "an error here", true)]
    [InlineData(LineFilterOp.Contains, new[] { "error" }, "an ERROR here", false)]
    [InlineData(LineFilterOp.Contains, new[] { "" }, "anything", true)]
    [InlineData(LineFilterOp.NotContains, new[] { "error" }, "fine", true)]
    [InlineData(LineFilterOp.NotContains, new[] { "error" }, "error", false)]
    [InlineData(LineFilterOp.Contains, new[] { "a", "b" }, "xbx", true)]
    [InlineData(LineFilterOp.Contains, new[] { "a", "b" }, "xcx", false)]
    [InlineData(LineFilterOp.NotContains, new[] { "a", "b" }, "xbx", false)]
    [InlineData(LineFilterOp.NotContains, new[] { "a", "b" }, "xcx", true)]
    [InlineData(LineFilterOp.Regex, new[] { "error|failed|exception" }, "request failed", true)]
    [InlineData(LineFilterOp.Regex, new[] { "error|failed|exception" }, "all good", false)]
    [InlineData(LineFilterOp.Regex, new[] { "(?i)error" }, "An ErRoR", true)]
    [InlineData(LineFilterOp.Regex, new[] { "(?i)error" }, "fine", false)]
    [InlineData(LineFilterOp.Regex, new[] { "(?i)(error|warn)" }, "WARN x", true)]
    [InlineData(LineFilterOp.Regex, new[] { ".*foo.*" }, "a foo b", true)]
    [InlineData(LineFilterOp.Regex, new[] { "^foo" }, "a foo", false)]
    [InlineData(LineFilterOp.Regex, new[] { "^foo" }, "foo a", true)]
    [InlineData(LineFilterOp.Regex, new[] { "status=5\\d\\d" }, "status=503", true)]
    [InlineData(LineFilterOp.Regex, new[] { "status=5\\d\\d" }, "status=404", false)]
    [InlineData(LineFilterOp.Regex, new[] { "a\\.b" }, "a.b", true)]
    [InlineData(LineFilterOp.Regex, new[] { "a\\.b" }, "axb", false)]
    [InlineData(LineFilterOp.Regex, new[] { "x", "y\\d" }, "y1", true)]
    [InlineData(LineFilterOp.NotRegex, new[] { "debug|trace" }, "info", true)]
    [InlineData(LineFilterOp.NotRegex, new[] { "debug|trace" }, "trace", false)]
    [InlineData(LineFilterOp.Pattern, new[] { "<_> error <_>" }, "an error here", true)]
    [InlineData(LineFilterOp.Pattern, new[] { "<_> error <_>" }, "error here", false)]
    [InlineData(LineFilterOp.Pattern, new[] { "<_> bar" }, "foo bar baz", false)]
    [InlineData(LineFilterOp.Pattern, new[] { "<_> baz" }, "foo bar baz", true)]
    [InlineData(LineFilterOp.Pattern, new[] { "foo <_>" }, "foo bar baz", true)]
    [InlineData(LineFilterOp.NotPattern, new[] { "<_> baz" }, "foo bar baz", false)]
    [InlineData(LineFilterOp.Contains, new[] { "é" }, "café", true)]
    [InlineData(LineFilterOp.Regex, new[] { "(?i)CAFÉ" }, "café", true)]
    public void Line_filters_match_like_loki(LineFilterOp type, string[] values, string line, bool expected) =>
        Assert.Equal(expected, M(LineFilter.Create(type, values), line));

    [Theory]
    [InlineData("192.168.0.1", "from 192.168.0.1 ok", true)]
    [InlineData("192.168.0.1", "from 192.168.0.10 ok", false)]
    [InlineData("192.168.0.0/24", "ip=192.168.0.77", true)]
    [InlineData("192.168.0.0/24", "ip=192.168.1.77", false)]
    [InlineData("10.0.0.1-10.0.0.5", "x 10.0.0.3 y", true)]
    [InlineData("10.0.0.1-10.0.0.5", "x 10.0.0.6 y", false)]
    [InlineData("::1", "addr ::1", true)]
    [InlineData("2001:db8::/32", "client 2001:db8::ff00:42:8329 ok", true)]
    [InlineData("192.168.0.1", "no address", false)]
    public void Ip_line_filter(string pattern, string line, bool expected)
    {
        Assert.Equal(expected, M(LineFilter.Ip(false, pattern), line));
        Assert.Equal(!expected, M(LineFilter.Ip(true, pattern), line));
    }

    [Theory]
    [InlineData("300.0.0.1")]
    [InlineData("1.2.3")]
    [InlineData("10.0.0.5-10.0.0.1")]
    [InlineData("10.0.0.0/33")]
    [InlineData("abc")]
    public void Invalid_ip_patterns_are_rejected(string pattern) =>
        Assert.Throws<ArgumentException>(() => LineFilter.Ip(false, pattern));

    [Fact]
    public void Required_substrings_come_from_case_sensitive_literals()
    {
        var f = LineFilter.And([LineFilter.Create(LineFilterOp.Contains, "abc-123"), LineFilter.Create(LineFilterOp.Regex, "(?i)x"), LineFilter.Create(LineFilterOp.Regex, "lit")]);
        var req = f.RequiredSubstrings.Select(Encoding.UTF8.GetString).ToArray();
        Assert.Equal(["abc-123", "lit"], req);
        Assert.Empty(LineFilter.Create(LineFilterOp.NotContains, "x").RequiredSubstrings);
        Assert.Empty(LineFilter.Create(LineFilterOp.Contains, ["a", "b"]).RequiredSubstrings);
    }

    [Fact]
    public void Invalid_regex_is_rejected() =>
        Assert.ThrowsAny<ArgumentException>(() => LineFilter.Create(LineFilterOp.Regex, "(unclosed"));

    [Fact]
    public void Long_lines_use_pooled_buffers()
    {
        var line = new string('x', 100_000) + " needle";
        Assert.True(M(LineFilter.Create(LineFilterOp.Regex, "(?i)NEEDLE"), line));
        Assert.True(M(LineFilter.Create(LineFilterOp.Regex, "ne+dle$"), line));
    }

    [Fact]
    public void Literal_simplification_agrees_with_the_regex_engine()
    {
        var rng = new Random(1234);
        string[] patterns = ["error|failed|exception", "(?i)error", "(?i)(warn|err)", ".*abc.*", "(x|yz)", "a|b|"];
        string[] alphabet = ["error", "ERROR", "failed", "Warn", "abc", "x", "yz", " ", "exception", "é"];
        foreach (var p in patterns)
        {
            var filter = LineFilter.Create(LineFilterOp.Regex, p);
            var regex = Re2.Compile(p, anchored: false);
            for (var i = 0; i < 200; i++)
            {
                var sb = new StringBuilder();
                for (var k = rng.Next(0, 5); k > 0; k--)
                    sb.Append(alphabet[rng.Next(alphabet.Length)]);
                var s = sb.ToString();
                Assert.True(regex.IsMatch(s) == M(filter, s), $"seed 1234, pattern {p}, line '{s}'");
            }
        }
    }
}
