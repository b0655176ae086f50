using System.Text;
using Sawmill.Core;

namespace Sawmill.Core.Tests;

public sealed class LogLevelDetectorTests
{
    private static string Line(string line) =>
        LogLevelDetector.FromLine(Encoding.UTF8.GetBytes(line), LogLevelDetector.DefaultFields, 2);

    [Theory]
    [InlineData("{\"level\":\"WARN\",\"msg\":\"x\"}", "warn")]
    [InlineData("{\"msg\":\"x\",\"log\":{\"severity\":\"Err\"}}", "error")]
    [InlineData("{\"a\":{\"b\":{\"level\":\"fatal\"}},\"msg\":\"deep\"}", "fatal")] // too deep for the field; found as a word
    [InlineData("{\"a\":{\"b\":{\"lvl\":\"x\"}},\"msg\":\"deep\"}", "unknown")]
    [InlineData("{\"level\":\"notice\",\"msg\":\"x\"}", "unknown")] // not a level word; the text has none either
    [InlineData("{\"level\":\"notice\",\"msg\":\"disk error\"}", "error")] // then the words decide
    [InlineData("ts=1 lvl=dbg msg=x", "debug")]
    [InlineData("ts=1 Level=information msg=x", "info")]
    [InlineData("severity=fatal level=trace", "trace")] // level is preferred over severity wherever it stands
    [InlineData("msg=\"no level here\" code=7", "unknown")]
    [InlineData("2024-01-01 WARNING disk almost full", "warn")]
    [InlineData("[ERROR] something broke", "error")]
    [InlineData("debug: details, then an error", "debug")]
    [InlineData("misc:error is not a level", "unknown")]
    [InlineData("errors happen", "unknown")]
    [InlineData("", "unknown")]
    public void Levels_come_from_json_logfmt_or_words_as_Loki_finds_them(string line, string level) =>
        Assert.Equal(level, Line(line));

    [Theory]
    [InlineData("WARNING", "warn")]
    [InlineData("Crit", "Crit")]
    [InlineData("FATAL", "fatal")]
    [InlineData("inf", "info")]
    public void Normalisation_maps_known_words_and_keeps_the_rest(string value, string expected) =>
        Assert.Equal(expected, LogLevelDetector.Normalize(value));

    [Fact]
    public void A_level_label_or_metadata_field_wins_over_the_line()
    {
        var line = "an error in the text"u8.ToArray();
        Assert.Equal("info", LogLevelDetector.Detect(Labels.From(("app", "a"), ("level", "Info")), null, line, LogLevelDetector.DefaultFields, 2));
        Assert.Equal("debug", LogLevelDetector.Detect(Labels.From(("app", "a")), [new Label("lvl", "DBG")], line, LogLevelDetector.DefaultFields, 2));
        Assert.Equal("error", LogLevelDetector.Detect(Labels.From(("app", "a")), [new Label("severity_number", "17")], "quiet"u8.ToArray(), LogLevelDetector.DefaultFields, 2));
        Assert.Equal("error", LogLevelDetector.Detect(Labels.From(("app", "a")), null, line, LogLevelDetector.DefaultFields, 2));
    }

    [Fact]
    public void The_logfmt_scanner_reads_pairs_as_Lokis_decoder()
    {
        var scanner = new LogfmtScanner("a=1 flag b=\"x \\\"y\\\"\" c= d"u8);
        var pairs = new List<string>();
        while (scanner.Next())
            pairs.Add(Encoding.UTF8.GetString(scanner.Key) + "=" + scanner.Value());
        Assert.Equal(["a=1", "flag=", "b=x \"y\"", "c=", "d="], pairs);
        scanner = new LogfmtScanner("a=1 =oops b=2"u8);
        Assert.True(scanner.Next());
        Assert.False(scanner.Next()); // a pair without a key ends the scan
    }
}
