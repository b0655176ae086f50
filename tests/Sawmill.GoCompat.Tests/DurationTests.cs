namespace Sawmill.GoCompat.Tests;

/// <summary>Durations as Prometheus and Loki write them (Go's units plus d, w, y).</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("5m", 300_000_000_000L)]
    [InlineData("1m30s", 90_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("250ms", 250_000_000L)]
    [InlineData("1d", 86_400_000_000_000L)]
    [InlineData("0", 0L)]
    public void Go_durations_parse(string text, long ns)
    {
        Assert.True(GoDuration.TryParse(text, out var v));
        Assert.Equal(ns, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("m")]
    public void Bad_durations_are_rejected(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(300_000_000_000L, "5m")]
    [InlineData(5_400_000_000_000L, "1h30m")]
    [InlineData(86_400_000_000_000L, "1d")]
    public void Durations_print_like_Prometheus(long ns, string text) => Assert.Equal(text, GoDuration.Format(ns));
}

/// <summary>The Prometheus and Go duration forms Loki's API and errors use.</summary>
public sealed class PrometheusDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("5m", 300_000_000_000L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("1d2h", 93_600_000_000_000L)]
    [InlineData("250ms", 250_000_000L)]
    public void Prometheus_durations_parse(string text, long ns)
    {
        Assert.True(GoDuration.TryParsePrometheus(text, out var v));
        Assert.Equal(ns, v);
    }

    [Theory]
    [InlineData("1.5s")] // no fractions
    [InlineData("-60s")] // no sign
    [InlineData("30m1h")] // biggest unit first
    [InlineData("5m5m")]
    [InlineData("")]
    public void Other_forms_are_not_Prometheus_durations(string text) => Assert.False(GoDuration.TryParsePrometheus(text, out _));

    [Theory]
    [InlineData(721L * 3_600_000_000_000, "30d1h")] // weeks only when they divide the whole
    [InlineData(14L * 86_400_000_000_000, "2w")]
    [InlineData(365L * 86_400_000_000_000, "1y")]
    public void Years_and_weeks_print_only_when_exact(long ns, string text) => Assert.Equal(text, GoDuration.Format(ns));

    [Theory]
    [InlineData(961L * 3_600_000_000_000, "961h0m0s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(250_000_000L, "250ms")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(0L, "0s")]
    public void Go_durations_print_like_Go(long ns, string text) => Assert.Equal(text, GoDuration.FormatGo(ns));
}

/// <summary>strconv.ParseFloat's accepted forms (checked against Go 1.19).</summary>
public sealed class GoFloatTests
{
    [Theory]
    [InlineData("1_000", 1000.0)]
    [InlineData("1_0.5", 10.5)]
    [InlineData("0x1p-2", 0.25)]
    [InlineData("0x1.8p1", 3.0)]
    [InlineData("-1.5e3", -1500.0)]
    [InlineData("infinity", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("1.", 1.0)]
    [InlineData(".5", 0.5)]
    public void Go_float_syntax_parses(string text, double expected)
    {
        Assert.True(GoFloat.TryParse(text, out var v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("_1", "invalid syntax")]
    [InlineData("1__0", "invalid syntax")]
    [InlineData("1_", "invalid syntax")]
    [InlineData("0x10", "invalid syntax")] // a hexadecimal float needs its p exponent
    [InlineData("0b101", "invalid syntax")]
    [InlineData("1e400", "value out of range")]
    [InlineData(" 1", "invalid syntax")]
    public void Other_text_is_an_error_with_Gos_text(string text, string reason)
    {
        Assert.False(GoFloat.TryParse(text, out _));
        Assert.EndsWith(": " + reason, GoFloat.SyntaxError(text));
    }
}
