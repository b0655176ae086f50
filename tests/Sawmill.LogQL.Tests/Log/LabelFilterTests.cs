using Sawmill.Core;
using Sawmill.LogQL.Log;
using static Sawmill.LogQL.Tests.Log.PipelineRunner;
using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Log;

public sealed class LabelFilterTests
{
    private static (bool Kept, Labels Labels) Filter(string logfmt, LabelFilter filter)
    {
        var r = Run(logfmt, new LogfmtParserStage(), new LabelFilterStage(filter));
        return (r.Kept, r.Labels);
    }

    [Theory]
    [InlineData("status=500", ComparisonOp.Gte, 500, true)]
    [InlineData("status=499", ComparisonOp.Gte, 500, false)]
    [InlineData("status=500", ComparisonOp.Eq, 500, true)]
    [InlineData("status=500.0", ComparisonOp.Eq, 500, true)]
    [InlineData("status=1e3", ComparisonOp.Gt, 999, true)]
    [InlineData("status=500", ComparisonOp.Neq, 500, false)]
    [InlineData("status=10", ComparisonOp.Lt, 11, true)]
    [InlineData("status=10", ComparisonOp.Lte, 10, true)]
    [InlineData("other=1", ComparisonOp.Gt, 0, false)]
    [InlineData("other=1", ComparisonOp.Neq, 0, false)]
    public void Numeric_filters(string line, ComparisonOp op, double value, bool expected) =>
        Assert.Equal(expected, Filter(line, new NumericLabelFilter("status", op, value)).Kept);

    [Fact]
    public void Unconvertible_number_keeps_entry_with_LabelFilterErr()
    {
        var (kept, labels) = Filter("status=abc", new NumericLabelFilter("status", ComparisonOp.Gt, 1));
        Assert.True(kept);
        Assert.Equal("LabelFilterErr", labels.Get("__error__"));
        Assert.Equal("strconv.ParseFloat: parsing \"abc\": invalid syntax", labels.Get("__error_details__"));
    }

    [Fact]
    public void Label_filter_error_does_not_overwrite_parser_error()
    {
        var r = Run("{bad", new JsonParserStage(), new LabelFilterStage(new NumericLabelFilter("app", ComparisonOp.Gt, 1)));
        Assert.Equal("JSONParserErr", r.Labels.Get("__error__"));
    }

    [Theory]
    [InlineData("d=250ms", ComparisonOp.Gt, "200ms", true)]
    [InlineData("d=1m30s", ComparisonOp.Eq, "90s", true)]
    [InlineData("d=5s", ComparisonOp.Lte, "4s", false)]
    [InlineData("d=1.5h", ComparisonOp.Gt, "1h", true)]
    public void Duration_filters(string line, ComparisonOp op, string value, bool expected) =>
        Assert.Equal(expected, Filter(line, new DurationLabelFilter("d", op, GoDuration.Parse(value))).Kept);

    [Fact]
    public void Unconvertible_duration_sets_error()
    {
        var (kept, labels) = Filter("d=fast", new DurationLabelFilter("d", ComparisonOp.Gt, 1));
        Assert.True(kept);
        Assert.Equal("LabelFilterErr", labels.Get("__error__"));
    }

    [Theory]
    [InlineData("size=21MB", ComparisonOp.Gt, "20MB", true)]
    [InlineData("size=20MB", ComparisonOp.Eq, "20MB", true)]
    [InlineData("size=1KiB", ComparisonOp.Eq, "1024B", true)]
    [InlineData("size=19MB", ComparisonOp.Gt, "20MB", false)]
    [InlineData("size=100", ComparisonOp.Lt, "1KB", true)]
    public void Bytes_filters(string line, ComparisonOp op, string value, bool expected)
    {
        Assert.True(ByteSize.TryParse(value, out var b));
        Assert.Equal(expected, Filter(line, new BytesLabelFilter("size", op, b)).Kept);
    }

    [Theory]
    [InlineData("level=error", MatchType.Equal, "error", true)]
    [InlineData("level=error", MatchType.NotEqual, "error", false)]
    [InlineData("level=error", MatchType.Regex, "err.*", true)]
    [InlineData("level=error", MatchType.Regex, "err", false)]
    [InlineData("level=error", MatchType.NotRegex, "warn|info", true)]
    [InlineData("other=x", MatchType.Equal, "", true)]
    [InlineData("other=x", MatchType.NotEqual, "", false)]
    public void String_filters(string line, MatchType type, string value, bool expected) =>
        Assert.Equal(expected, Filter(line, new StringLabelFilter(type, "level", value)).Kept);

    [Fact]
    public void String_filter_sees_stream_labels_and_metadata()
    {
        var stream = Labels.From(("app", "api"));
        var f = new LabelFilterStage(new AndLabelFilter(
            new StringLabelFilter(MatchType.Equal, "app", "api"),
            new StringLabelFilter(MatchType.Equal, "trace_id", "t1")));
        Assert.True(Run(stream, "x", [new Label("trace_id", "t1")], f).Kept);
        Assert.False(Run(stream, "x", [new Label("trace_id", "t2")], f).Kept);
        var labels = Run(stream, "x", [new Label("trace_id", "t1")], f).Labels;
        Assert.Equal("t1", labels.Get("trace_id"));
    }

    [Theory]
    [InlineData("a=1 b=2", true)]
    [InlineData("a=1 b=3", false)]
    [InlineData("a=5 b=3", true)]
    public void And_or_trees(string line, bool expected)
    {
        // (a == 1 and b == 2) or a > 4
        var f = new OrLabelFilter(
            new AndLabelFilter(new NumericLabelFilter("a", ComparisonOp.Eq, 1), new NumericLabelFilter("b", ComparisonOp.Eq, 2)),
            new NumericLabelFilter("a", ComparisonOp.Gt, 4));
        Assert.Equal(expected, Filter(line, f).Kept);
    }

    [Theory]
    [InlineData("addr=192.168.1.5", "192.168.1.0/24", false, true)]
    [InlineData("addr=192.168.2.5", "192.168.1.0/24", false, false)]
    [InlineData("addr=192.168.2.5", "192.168.1.0/24", true, true)]
    [InlineData("addr=nope", "192.168.1.0/24", false, false)]
    [InlineData("other=1", "192.168.1.0/24", true, false)]
    public void Ip_label_filters(string line, string range, bool negative, bool expected) =>
        Assert.Equal(expected, Filter(line, new IpLabelFilter("addr", negative, IpRange.Parse(range))).Kept);
}
