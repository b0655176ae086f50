namespace Sawmill.GoCompat.Tests;

/// <summary>Go's <c>time.Parse</c> layouts, named and custom, and its error texts.</summary>
public sealed class TimeParseTests
{
    private static long Ns(string iso) => (DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    [Theory]
    [InlineData("2024-03-05T07:08:09Z", "RFC3339", "2024-03-05T07:08:09Z", 0)]
    [InlineData("2024-03-05T07:08:09+02:00", "RFC3339", "2024-03-05T05:08:09Z", 0)]
    [InlineData("2024-03-05T07:08:09.123456789Z", "RFC3339Nano", "2024-03-05T07:08:09Z", 123456789)]
    [InlineData("2024-03-05T07:08:09.5-01:30", "RFC3339Nano", "2024-03-05T08:38:09Z", 500000000)]
    [InlineData("2024-03-05T07:08:09Z", "RFC3339Nano", "2024-03-05T07:08:09Z", 0)]
    [InlineData("2024-03-05 07:08:09.042", "2006-01-02 15:04:05.000", "2024-03-05T07:08:09Z", 42000000)]
    [InlineData("2024-03-05 07:08:09,042", "2006-01-02 15:04:05,000", "2024-03-05T07:08:09Z", 42000000)]
    [InlineData("05/Mar/2024:07:08:09 +0100", "02/Jan/2006:15:04:05 -0700", "2024-03-05T06:08:09Z", 0)]
    [InlineData("Tue Mar  5 07:08:09 2024", "ANSIC", "2024-03-05T07:08:09Z", 0)]
    [InlineData("Tue Mar 15 07:08:09 2024", "ANSIC", "2024-03-15T07:08:09Z", 0)]
    [InlineData("Tue, 05 Mar 2024 07:08:09 GMT", "RFC1123", "2024-03-05T07:08:09Z", 0)]
    [InlineData("Tue, 05 Mar 2024 07:08:09 -0500", "RFC1123Z", "2024-03-05T12:08:09Z", 0)]
    [InlineData("05 Mar 24 07:08 UTC", "RFC822", "2024-03-05T07:08:00Z", 0)]
    [InlineData("Tuesday, 05-Mar-24 07:08:09 UTC", "RFC850", "2024-03-05T07:08:09Z", 0)]
    [InlineData("Tue Mar 05 07:08:09 +0000 2024", "RubyDate", "2024-03-05T07:08:09Z", 0)]
    [InlineData("03/05 07:08:09PM '24 -0700", "Layout", "2024-03-06T02:08:09Z", 0)]
    [InlineData("2024-03-05 07:08:09.123", "2006-01-02 15:04:05", "2024-03-05T07:08:09Z", 123000000)]
    [InlineData("2024-03-05T07:08:09.123456Z", "2006-01-02T15:04:05.999999999Z07:00", "2024-03-05T07:08:09Z", 123456000)]
    [InlineData("2024-064", "2006-002", "2024-03-04T00:00:00Z", 0)]
    [InlineData("March 5, 2024 at 7:08am", "January 2, 2006 at 3:04pm", "2024-03-05T07:08:00Z", 0)]
    [InlineData("2024-03-05 7:08:09", "2006-01-02 15:04:05", "2024-03-05T07:08:09Z", 0)]
    [InlineData("12:30AM 2024-01-01", "3:04PM 2006-01-02", "2024-01-01T00:30:00Z", 0)]
    [InlineData("2024-03-05T07:08:09+0530", "2006-01-02T15:04:05Z0700", "2024-03-05T01:38:09Z", 0)]
    [InlineData("2024-03-05T07:08:09Z", "2006-01-02T15:04:05Z0700", "2024-03-05T07:08:09Z", 0)]
    [InlineData("2024-03-05T07:08:09-07", "2006-01-02T15:04:05-07", "2024-03-05T14:08:09Z", 0)]
    public void Go_layouts_parse_like_time_Parse(string value, string format, string expectedUtc, long extraNs)
    {
        var layout = GoTime.Named.TryGetValue(format, out var l) ? l : format;
        Assert.True(GoTime.TryParse(value, layout, null, out var ns, out var error), error);
        Assert.Equal(Ns(expectedUtc) + extraNs, ns);
    }

    [Theory]
    [InlineData("2024-03-05", "RFC3339")]
    [InlineData("2024-13-05T07:08:09Z", "RFC3339")]
    [InlineData("2024-03-05T07:08:09Zjunk", "RFC3339")]
    [InlineData("2024-02-30T07:08:09Z", "RFC3339")]
    [InlineData("2024-03-05 07:8:09", "2006-01-02 15:04:05")]
    [InlineData("5 Mar 2024", "02 Jan 2006")]
    [InlineData("2024-03-05 07:08:09.12", "2006-01-02 15:04:05.000")]
    [InlineData("Foo Mar 05 2024", "Mon Jan 02 2006")]
    public void Values_that_do_not_fit_the_layout_fail_with_Gos_message(string value, string format)
    {
        var layout = GoTime.Named.TryGetValue(format, out var l) ? l : format;
        Assert.False(GoTime.TryParse(value, layout, null, out _, out var error));
        Assert.StartsWith($"parsing time \"{value}\" as \"{layout}\"", error);
    }

    [Fact]
    public void A_layout_without_a_zone_uses_the_location()
    {
        var ny = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.True(GoTime.TryParse("2024-07-01 12:00:00", "2006-01-02 15:04:05", ny, out var summer, out _));
        Assert.Equal(Ns("2024-07-01T16:00:00Z"), summer);
        Assert.True(GoTime.TryParse("2024-01-01 12:00:00", "2006-01-02 15:04:05", ny, out var winter, out _));
        Assert.Equal(Ns("2024-01-01T17:00:00Z"), winter);
        // An explicit offset in the value wins over the location.
        Assert.True(GoTime.TryParse("2024-01-01T12:00:00Z", GoTime.Named["RFC3339"], ny, out var utc, out _));
        Assert.Equal(Ns("2024-01-01T12:00:00Z"), utc);
    }
}

