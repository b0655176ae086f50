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
