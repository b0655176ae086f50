using Sawmill.Agent.Stages;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Tests.Stages;

public sealed class TimestampStageTests
{
    [Fact]
    public void Layouts_without_a_year_get_the_current_year_as_in_Promtail()
    {
        Assert.True(TimestampStage.TryParse("Mar  5 07:08:09.123", GoTime.Named["StampMilli"], null, out var ns));
        var t = DateTime.UnixEpoch.AddTicks(ns / 100);
        Assert.Equal(DateTime.UtcNow.Year, t.Year);
        Assert.Equal(3, t.Month);
        Assert.Equal(5, t.Day);
        Assert.Equal(123, t.Millisecond);
    }

    [Theory]
    [InlineData("1562708916", "Unix", 1562708916_000000000L)]
    [InlineData("1562708916.414123", "Unix", 1562708916_414123000L)]
    [InlineData("1562708916414", "UnixMs", 1562708916_414000000L)]
    [InlineData("1562708916414123", "UnixUs", 1562708916_414123000L)]
    [InlineData("1562708916414123456", "UnixNs", 1562708916_414123456L)]
    public void Unix_formats(string value, string format, long expected)
    {
        Assert.True(TimestampStage.TryParse(value, format, null, out var ns));
        Assert.Equal(expected, ns);
    }
}
