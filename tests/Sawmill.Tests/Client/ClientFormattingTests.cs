using System.Text.Json;
using Sawmill.Client;
using Sawmill.Commands;

namespace Sawmill.Tests.Client;

public sealed class ClientFormattingTests
{
    private static readonly Dictionary<string, string> ApiLabels = new() { ["app"] = "api", ["level"] = "error" };

    [Fact]
    public void Default_output_prints_utc_timestamp_labels_and_line()
    {
        var w = new StringWriter();
        var printer = new LogPrinter(w, OutputMode.Default, utc: true, color: false, LabelSelection.All);
        printer.Print(new LogEntry(1_529_931_129_000_000_000, "hello", ApiLabels, "k"));
        Assert.Equal("2018-06-25T12:52:09Z {app=\"api\", level=\"error\"} hello" + Environment.NewLine, w.ToString());
    }

    [Fact]
    public void Common_labels_are_left_out_of_each_line()
    {
        var w = new StringWriter();
        var printer = new LogPrinter(w, OutputMode.Default, utc: true, color: false, LabelSelection.All)
        {
            CommonLabels = new Dictionary<string, string> { ["app"] = "api" },
        };
        printer.Print(new LogEntry(0, "x", ApiLabels, "k"));
        Assert.Equal("1970-01-01T00:00:00Z {level=\"error\"} x" + Environment.NewLine, w.ToString());
    }

    [Fact]
    public void Raw_output_prints_only_the_line()
    {
        var w = new StringWriter();
        new LogPrinter(w, OutputMode.Raw, true, false, LabelSelection.All).Print(new LogEntry(5, "only this", ApiLabels, "k"));
        Assert.Equal("only this" + Environment.NewLine, w.ToString());
    }

    [Fact]
    public void Jsonl_output_has_labels_line_and_nanosecond_timestamp()
    {
        var json = LogPrinter.ToJsonl(new LogEntry(1_500_000_000_123_456_789, "a \"quoted\" line", ApiLabels, "k"), utc: true);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("api", doc.RootElement.GetProperty("labels").GetProperty("app").GetString());
        Assert.Equal("a \"quoted\" line", doc.RootElement.GetProperty("line").GetString());
        Assert.Equal("2017-07-14T02:40:00.123456789Z", doc.RootElement.GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Exclude_and_include_label_flags_select_labels()
    {
        var common = new Dictionary<string, string>();
        Assert.Equal(["app"], new LabelSelection(false, ["level"], []).Apply(ApiLabels, common).Select(kv => kv.Key));
        Assert.Equal(["level"], new LabelSelection(false, [], ["level"]).Apply(ApiLabels, common).Select(kv => kv.Key));
    }

    [Fact]
    public void Common_labels_need_the_same_value_in_every_stream()
    {
        var common = LabelSelection.Common([
            new Dictionary<string, string> { ["app"] = "api", ["pod"] = "a" },
            new Dictionary<string, string> { ["app"] = "api", ["pod"] = "b" },
        ]);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "api" }, common);
    }

    [Fact]
    public void Colour_output_wraps_labels_and_level_in_escape_codes()
    {
        var w = new StringWriter();
        new LogPrinter(w, OutputMode.Default, true, color: true, LabelSelection.All).Print(new LogEntry(0, "boom", ApiLabels, "k"));
        Assert.StartsWith("\e[31m1970-01-01T00:00:00Z\e[0m \e[", w.ToString());
    }

    [Theory]
    [InlineData("{\"level\":\"warn\",\"msg\":\"x\"}", "warn")]
    [InlineData("ts=1 level=error msg=x", "error")]
    [InlineData("plain line", null)]
    [InlineData("2024-01-01 WARNING disk almost full", "warn")]
    [InlineData("{\"log\":{\"severity\":\"Err\"}}", "error")]
    public void Level_is_detected_from_json_and_logfmt_lines(string line, string? level) => Assert.Equal(level, LogPrinter.DetectLevel(line));

    [Theory]
    [InlineData("2021-01-19T10:00:00Z", 1_611_050_400_000_000_000)]
    [InlineData("2021-01-19T10:00:00.5Z", 1_611_050_400_500_000_000)]
    [InlineData("2021-01-19T10:00:00", 1_611_050_400_000_000_000)]
    [InlineData("2021-01-19T12:00:00+02:00", 1_611_050_400_000_000_000)]
    [InlineData("1611050400", 1_611_050_400_000_000_000)]
    public void Times_parse_as_RFC3339_or_unix_with_utc_for_zoneless_text(string text, long ns) =>
        Assert.Equal(ns, TimeArgs.ParseNs(text, utc: true));

    [Fact]
    public void Bad_times_are_usage_errors()
    {
        var e = Assert.Throws<ClientException>(() => TimeArgs.ParseNs("yesterday", true));
        Assert.Equal(ExitCodes.Usage, e.ExitCode);
    }

    [Fact]
    public void Part_files_are_named_like_logcli()
    {
        Assert.Equal("/tmp/q_20210119T183000_20210119T184500.part",
            QueryRunner.PartPath("/tmp/q", 1_611_081_000_000_000_000, 1_611_081_900_000_000_000));
    }

    [Theory]
    [InlineData(999, "999 B")]
    [InlineData(1_500, "1.5 kB")]
    [InlineData(6_000_000, "6.0 MB")]
    [InlineData(25_000_000_000, "25 GB")]
    public void Bytes_print_like_go_humanize(long bytes, string text) => Assert.Equal(text, ClientCommands.HumanBytes(bytes));

    [Fact]
    public void Stream_results_are_flattened_in_query_direction()
    {
        using var doc = JsonDocument.Parse("""
            [{"stream":{"a":"1"},"values":[["3","c"],["1","a"]]},{"stream":{"a":"2"},"values":[["2","b"]]}]
            """);
        var (entries, streams) = QueryRunner.ReadStreams(doc.RootElement, forward: true);
        Assert.Equal(["a", "b", "c"], entries.Select(e => e.Line));
        Assert.Equal(2, streams.Count);
        var (backward, _) = QueryRunner.ReadStreams(doc.RootElement, forward: false);
        Assert.Equal(["c", "b", "a"], backward.Select(e => e.Line));
    }

    [Fact]
    public async Task Unknown_output_mode_is_a_usage_error()
    {
        var err = new StringWriter();
        var code = await ClientCommands.RunAsync("query", ["{a=\"b\"}", "-o", "xml"], new StringWriter(), err);
        Assert.NotEqual(0, code);
        Assert.Contains("xml", err.ToString());
    }

    [Fact]
    public async Task An_unreachable_server_exits_with_1_and_says_why()
    {
        var err = new StringWriter();
        var code = await ClientCommands.RunAsync("labels", ["--addr", "http://127.0.0.1:1", "-q"], new StringWriter(), err);
        Assert.Equal(ExitCodes.ServerError, code);
        Assert.Contains("127.0.0.1:1", err.ToString());
    }
}
