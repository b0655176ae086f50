using Sawmill.GoCompat;
using System.Text.Json;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Ruler;

namespace Sawmill.Ruler.Tests;

public sealed class DeliveryTests
{
    [Fact]
    public void Remote_write_request_round_trips()
    {
        var samples = new List<Sample>
        {
            new(Labels.From(("__name__", "a:b"), ("app", "x")), 1_700_000_000_123, 2.5),
            new(Labels.From(("__name__", "a:b"), ("app", "y")), 1_700_000_000_123, double.NaN),
        };
        var bytes = RemoteWriteEncoder.Encode(samples);
        var decoded = RemoteWriteEncoder.Decode(bytes.Concat(RemoteWriteEncoder.Encode(samples[..1])).ToArray());
        Assert.Equal(3, decoded.Count);
        Assert.Equal([("__name__", "a:b"), ("app", "x")], decoded[0].Labels);
        Assert.Equal((2.5, 1_700_000_000_123L), decoded[0].Samples[0]);
        Assert.True(double.IsNaN(decoded[1].Samples[0].Value));
        Assert.Equal("x", decoded[2].Labels[1].Value);
    }

    [Fact]
    public void Alertmanager_body_has_the_v2_fields()
    {
        var body = AlertmanagerNotifier.Serialize([new NotifierAlert(
            new Dictionary<string, string> { ["alertname"] = "A" }, new Dictionary<string, string> { ["summary"] = "s" },
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 1, 1, 0, 4, 0, 500, DateTimeKind.Utc), "http://x/explore?q=1")]);
        using var doc = JsonDocument.Parse(body);
        var a = doc.RootElement[0];
        Assert.Equal("A", a.GetProperty("labels").GetProperty("alertname").GetString());
        Assert.Equal("s", a.GetProperty("annotations").GetProperty("summary").GetString());
        Assert.Equal("2026-01-01T00:00:00Z", a.GetProperty("startsAt").GetString());
        Assert.Equal("2026-01-01T00:04:00.5Z", a.GetProperty("endsAt").GetString());
        Assert.Equal("http://x/explore?q=1", a.GetProperty("generatorURL").GetString());
    }

    [Theory]
    [InlineData(1, "1e+00")]
    [InlineData(12.5, "1.25e+01")]
    [InlineData(0.001, "1e-03")]
    [InlineData(-3, "-3e+00")]
    public void Alert_values_print_as_Prometheus_API_prints_them(double v, string expected) =>
        Assert.Equal(expected, GoFormat.FloatE(v));
}
