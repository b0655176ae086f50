using Sawmill.Core;
using Sawmill.LogQL.Log;
using static Sawmill.LogQL.Tests.Log.PipelineRunner;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Log;

public sealed class FormatStageTests
{
    [Fact]
    public void Line_format_rewrites_line_from_labels()
    {
        var r = Run("level=info msg=\"hello world\"", new LogfmtParserStage(), new LineFormatStage("{{.level | ToUpper}}: {{.msg}} ({{.app}})"));
        Assert.Equal("INFO: hello world (foo)", r.Line);
    }

    [Fact]
    public void Line_format_can_use_line_and_timestamp()
    {
        var r = Run("raw", new LineFormatStage("{{__line__}}@{{ __timestamp__ | unixEpochMillis }}"));
        Assert.Equal("raw@1700000000123", r.Line);
    }

    [Fact]
    public void Line_format_error_keeps_line_and_sets_TemplateFormatErr()
    {
        var r = Run("a=1", new LogfmtParserStage(), new LineFormatStage("{{ div 1 0 }}"));
        Assert.True(r.Kept);
        Assert.Equal("a=1", r.Line);
        Assert.Equal("TemplateFormatErr", r.Labels.Get("__error__"));
    }

    [Fact]
    public void Invalid_line_template_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new LineFormatStage("{{ .a "));
        Assert.StartsWith("invalid line template: template: line:1:", e.Message);
        Assert.Throws<ArgumentException>(() => new LineFormatStage("{{ nofunc .a }}"));
        Assert.Throws<ArgumentException>(() => new LineFormatStage("{{ if .a }}x"));
    }

    [Fact]
    public void Label_format_renames_and_templates()
    {
        var r = Run("level=info status=200", new LogfmtParserStage(),
            new LabelFormatStage([("severity", "level", true), ("code", "{{.status}}-{{.level}}", false)]));
        Assert.Null(r.Labels.Get("level"));
        Assert.Equal("info", r.Labels.Get("severity"));
        Assert.Equal("200-", r.Labels.Get("code"));
    }

    [Fact]
    public void Label_format_rename_of_missing_label_does_nothing()
    {
        var r = Run("a=1", new LogfmtParserStage(), new LabelFormatStage([("b", "missing", true)]));
        Assert.Null(r.Labels.Get("b"));
    }

    [Fact]
    public void Label_format_rejects_duplicates_and_error_label()
    {
        Assert.Throws<ArgumentException>(() => new LabelFormatStage([("a", "b", true), ("a", "c", true)]));
        Assert.Throws<ArgumentException>(() => new LabelFormatStage([("__error__", "x", false)]));
    }

    [Fact]
    public void Drop_removes_names_and_matching_values_and_clears_errors()
    {
        var r = Run("nope", new JsonParserStage(),
            new DropLabelsStage(["__error__", "__error_details__", "namespace"], [LabelMatcher.Create(MatchType.Equal, "app", "foo")]));
        Assert.Equal("{}", r.Labels.ToString());
    }

    [Fact]
    public void Drop_with_non_matching_condition_keeps_label()
    {
        var r = Run("x", new DropLabelsStage([], [LabelMatcher.Create(MatchType.Equal, "app", "other")]));
        Assert.Equal("foo", r.Labels.Get("app"));
    }

    [Fact]
    public void Keep_keeps_only_listed_labels()
    {
        var r = Run("level=info msg=x", new LogfmtParserStage(), new KeepLabelsStage(["level"], [LabelMatcher.Create(MatchType.Equal, "app", "foo"), LabelMatcher.Create(MatchType.Equal, "namespace", "dev")]));
        Assert.Equal("{app=\"foo\", level=\"info\"}", r.Labels.ToString());
    }

    [Theory]
    [InlineData("\u001b[31mred\u001b[0m text", "red text")]
    [InlineData("plain", "plain")]
    [InlineData("\u001b[1;32mok\u001b[m", "ok")]
    [InlineData("a\u001b]0;title\u0007b", "ab")]
    public void Decolorize_strips_ansi(string line, string expected) =>
        Assert.Equal(expected, Run(line, new DecolorizeStage()).Line);

    [Theory]
    [InlineData("12.5", UnwrapConversion.None, 12.5)]
    [InlineData("1e3", UnwrapConversion.None, 1000)]
    [InlineData("250ms", UnwrapConversion.Duration, 0.25)]
    [InlineData("1m30s", UnwrapConversion.Duration, 90)]
    [InlineData("2KiB", UnwrapConversion.Bytes, 2048)]
    [InlineData("5 MB", UnwrapConversion.Bytes, 5_000_000)]
    public void Unwrap_conversions(string value, UnwrapConversion conversion, double expected)
    {
        Assert.True(UnwrapValue.TryConvert(value, conversion, out var v, out _));
        Assert.Equal(expected, v, 9);
    }

    [Theory]
    [InlineData("abc", UnwrapConversion.None)]
    [InlineData("", UnwrapConversion.None)]
    [InlineData("fast", UnwrapConversion.Duration)]
    [InlineData("lots", UnwrapConversion.Bytes)]
    public void Unwrap_failures_set_SampleExtractionErr(string value, UnwrapConversion conversion)
    {
        var sp = new Pipeline([new LogfmtParserStage()]).ForStream(DefaultStream);
        Assert.True(sp.Process(0, System.Text.Encoding.UTF8.GetBytes("v=" + value), out _));
        Assert.False(UnwrapValue.TryExtract(sp.Entry, "v", conversion, out _));
        Assert.Equal("SampleExtractionErr", sp.Labels.Get("__error__"));
    }

    [Fact]
    public void Label_sets_are_cached_and_state_resets_between_entries()
    {
        var sp = new Pipeline([new LogfmtParserStage()]).ForStream(DefaultStream);
        Assert.True(sp.Process(0, "a=1"u8, out _));
        var first = sp.Labels;
        Assert.True(sp.Process(0, "b=2"u8, out _));
        Assert.Null(sp.Labels.Get("a"));
        // A set whose values were all seen before comes from the cache (a first-seen value skips the cache: such
        // sets are usually unique, e.g. with an id or a timestamp, and hashing them would be wasted).
        Assert.True(sp.Process(0, "a=1"u8, out _));
        var second = sp.Labels;
        Assert.Equal(first, second);
        Assert.True(sp.Process(0, "a=1"u8, out _));
        Assert.Same(second, sp.Labels);
        Assert.True(new Pipeline([]).ForStream(DefaultStream).Process(0, "x"u8, out _));
    }

    [Fact]
    public void Leading_line_filters_are_exposed_for_push_down()
    {
        var p = new Pipeline([
            new LineFilterStage(LineFilter.Create(LineFilterOp.Contains, "a")),
            new LineFilterStage(LineFilter.Create(LineFilterOp.Contains, "b")),
            new JsonParserStage(),
            new LineFilterStage(LineFilter.Create(LineFilterOp.Contains, "c")),
        ], skipLeadingLineFilters: true);
        Assert.NotNull(p.LeadingLineFilter);
        Assert.True(p.LeadingLineFilter!.Matches("ab"u8));
        Assert.False(p.LeadingLineFilter.Matches("a"u8));
        // The skipped filters are not applied again; the later one still is.
        var sp = p.ForStream(DefaultStream);
        Assert.True(sp.Process(0, "{\"c\":1}"u8, out _));
        Assert.False(sp.Process(0, "{\"x\":1}"u8, out _));
    }
}
