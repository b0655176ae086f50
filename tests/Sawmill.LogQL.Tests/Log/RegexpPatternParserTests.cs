using Sawmill.LogQL.Log;
using static Sawmill.LogQL.Tests.Log.PipelineRunner;

namespace Sawmill.LogQL.Tests.Log;

public sealed class RegexpPatternParserTests
{
    [Theory]
    [InlineData("(?P<method>\\w+) (?P<path>\\S+)", "GET /api/x 200", "method=GET, path=/api/x")]
    [InlineData("(?<status>\\d{3})", "GET /api/x 200", "status=200")]
    [InlineData("(?P<app>\\w+)", "hello", "app_extracted=hello")]
    [InlineData("(?P<a>x)|(?P<b>y)", "y", "a=, b=y")]
    [InlineData("(?P<a>\\d+)", "no digits", "")]
    public void Regexp_parser_extracts_named_groups(string pattern, string line, string expected)
    {
        var (kept, _, labels) = Run(line, new RegexpParserStage(pattern));
        Assert.True(kept);
        foreach (var l in L(expected).AsSpan())
            Assert.Equal(l.Value, labels.Get(l.Name));
        Assert.Equal(DefaultStream.Count + L(expected).Count, labels.Count);
    }

    [Theory]
    [InlineData("(\\d+)", "at least one named capture must be supplied")]
    [InlineData("(?P<1a>x)", "")]
    [InlineData("(?P<a>x)(?P<a>y)", "")]
    [InlineData("(?P<a>x", "")]
    [InlineData("(?P<a>x)\\1", "")]
    public void Regexp_parser_rejects_bad_patterns(string pattern, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new RegexpParserStage(pattern));
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("<ip> - - <_> \"<method> <uri> <_>\" <status> <size>", "10.0.0.1 - - [01/Jan/2024] \"GET /x HTTP/1.1\" 200 512",
        "ip=10.0.0.1, method=GET, uri=/x, status=200, size=512")]
    [InlineData("<_> level=<level> <_>", "ts=1 level=info msg=x", "level=info")]
    [InlineData("<a> <b>", "only", "a=only")]
    [InlineData("prefix <a>", "other line", "")]
    [InlineData("<app>:<b>", "x:y", "app_extracted=x, b=y")]
    [InlineData("<a>,<b>", "1,2,3", "a=1, b=2,3")]
    public void Pattern_parser_extracts_captures(string pattern, string line, string expected)
    {
        var (_, _, labels) = Run(line, new PatternParserStage(pattern));
        foreach (var l in L(expected).AsSpan())
            Assert.Equal(l.Value, labels.Get(l.Name));
        Assert.Equal(DefaultStream.Count + L(expected).Count, labels.Count);
    }

    [Theory]
    [InlineData("<a><b>")]
    [InlineData("no captures")]
    [InlineData("<_> x <_>")]
    [InlineData("<a> <a>")]
    public void Pattern_parser_rejects_bad_patterns(string pattern) =>
        Assert.ThrowsAny<ArgumentException>(() => new PatternParserStage(pattern));
}
