using Sawmill.Core;
using Sawmill.LogQL.Log;
using static Sawmill.LogQL.Tests.Log.PipelineRunner;

namespace Sawmill.LogQL.Tests.Log;

public sealed class LogfmtParserTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "level=info msg=hello", "level=info, msg=hello" },
        { "level=info msg=\"hello world\"", "level=info, msg=hello world" },
        { "a=1 b=\"x \\\"q\\\" y\"", "a=1, b=x \"q\" y" },
        { "a.b=1 c-d=2 3e=x", "_3e=x, a_b=1, c_d=2" },
        { "app=bar", "app_extracted=bar" },
        { "  a=1\t\tb=2  ", "a=1, b=2" },
        // No label for an empty value without --keep-empty (Loki's rule).
        { "a= b=2", "b=2" },
        { "a b=2", "b=2" },
        // A repeated key keeps its first value (Loki 3).
        { "a=1 a=2", "a=1" },
        { "ts=2024-01-01T00:00:00Z caller=main.go:12 dur=1.5ms", "caller=main.go:12, dur=1.5ms, ts=2024-01-01T00:00:00Z" },
        { "a=\"unterminated b=2", "" },
        { "a=x=y b=2", "b=2" },
        { "=x b=2", "b=2" },
        { "msg=\"line\\nnext\"", "msg=line\nnext" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logfmt_parser_extracts_labels(string line, string expected)
    {
        var (kept, _, labels) = Run(line, new LogfmtParserStage());
        Assert.True(kept);
        var want = Labels.From([.. DefaultStream.AsSpan().ToArray(), .. L(expected).AsSpan().ToArray()]);
        Assert.Equal(want.ToString(), labels.ToString());
    }

    [Fact]
    public void Keep_empty_retains_standalone_keys()
    {
        var (_, _, labels) = Run("a b=2", new LogfmtParserStage(keepEmpty: true));
        Assert.Equal("", labels.Get("a"));
        Assert.Equal("2", labels.Get("b"));
    }

    [Theory]
    [InlineData("a=1 b=x=y c=3")]
    [InlineData("a=\"open")]
    [InlineData("=x")]
    public void Strict_sets_LogfmtParserErr_and_stops(string line)
    {
        var (kept, _, labels) = Run(line, new LogfmtParserStage(strict: true));
        Assert.True(kept);
        Assert.Equal("LogfmtParserErr", labels.Get("__error__"));
        Assert.StartsWith("logfmt syntax error at pos", labels.Get("__error_details__"));
        Assert.Null(labels.Get("c"));
    }

    [Fact]
    public void Non_strict_never_sets_error()
    {
        var (_, _, labels) = Run("a=1 b=x=y c=3 \"q", new LogfmtParserStage());
        Assert.Null(labels.Get("__error__"));
        Assert.Equal("1", labels.Get("a"));
        Assert.Equal("3", labels.Get("c"));
    }

    [Fact]
    public void Parameters_rename_and_default_to_empty()
    {
        var (_, _, labels) = Run("host=h1 status=500 other=x", new LogfmtParserStage(parameters: [("server", "host"), ("status", "status"), ("missing", "nope")]));
        Assert.Equal("h1", labels.Get("server"));
        Assert.Equal("500", labels.Get("status"));
        Assert.Equal("", labels.Get("missing"));
        Assert.Null(labels.Get("other"));
        Assert.Null(labels.Get("host"));
    }

    [Fact]
    public void Needed_labels_stop_early()
    {
        var pipeline = new Pipeline([new LogfmtParserStage()], neededLabels: new HashSet<string> { "level" });
        var sp = pipeline.ForStream(DefaultStream);
        Assert.True(sp.Process(0, "ts=1 level=warn msg=x"u8, out _));
        Assert.Equal("warn", sp.Labels.Get("level"));
        Assert.Null(sp.Labels.Get("msg"));
        Assert.Null(sp.Labels.Get("ts"));
    }
}
