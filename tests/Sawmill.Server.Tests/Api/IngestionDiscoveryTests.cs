using System.Text.Json;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Api;

/// <summary>
/// Loki 3's ingestion defaults (service_name and detected_level discovery) on a default server, and the switches that
/// give Loki 2.9's behaviour.
/// </summary>
public sealed class IngestionDiscoveryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Http => fixture.Server.CreateClient();

    private static async Task<List<JsonElement>> SeriesAsync(HttpClient http, string match)
    {
        using var doc = await Client.GetJsonAsync(http, "/loki/api/v1/series", ("match[]", match));
        return doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Fact]
    public async Task Service_name_comes_from_the_first_listed_label_or_is_unknown_service()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var now = Client.Now;
        await Client.PushJsonAsync(Http, Client.Body(
            Client.Stream($"{{\"run\":\"{id}\",\"job\":\"j\",\"container\":\"c\"}}", (now, "a")),
            Client.Stream($"{{\"run\":\"{id}\",\"app\":\"api\",\"service\":\"svc\"}}", (now, "b")),
            Client.Stream($"{{\"run\":\"{id}\",\"foo\":\"x\"}}", (now, "c")),
            Client.Stream($"{{\"run\":\"{id}\",\"service_name\":\"mine\",\"app\":\"other\"}}", (now, "d"))));
        var names = (await SeriesAsync(Http, $"{{run=\"{id}\"}}")).Select(s => s.GetProperty("service_name").GetString()).Order();
        // container is listed before job; service before app; a stream's own service_name is kept.
        Assert.Equal(["c", "mine", "svc", "unknown_service"], names);
    }

    [Fact]
    public async Task Every_entry_gets_a_detected_level()
    {
        var app = "levels-" + Guid.NewGuid().ToString("N")[..8];
        var now = Client.Now;
        await Client.PushJsonAsync(Http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}",
            (now - 5000, "{\"level\":\"WARN\",\"msg\":\"json\"}"),
            (now - 4000, "ts=1 lvl=err msg=logfmt"),
            (now - 3000, "something FATAL happened"),
            (now - 2000, "just text"),
            (now - 1000, "misc:error is not a level"))));
        using var doc = await Client.GetJsonAsync(Http, "/loki/api/v1/query_range",
            ("query", $"{{app=\"{app}\"}}"), ("start", (now - 10000).ToString()), ("end", (now + 1).ToString()));
        var byLine = new Dictionary<string, string>();
        foreach (var s in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
            foreach (var v in s.GetProperty("values").EnumerateArray())
                byLine[v[1].GetString()!] = s.GetProperty("stream").GetProperty("detected_level").GetString()!;
        Assert.Equal("warn", byLine["{\"level\":\"WARN\",\"msg\":\"json\"}"]);
        Assert.Equal("error", byLine["ts=1 lvl=err msg=logfmt"]);
        Assert.Equal("fatal", byLine["something FATAL happened"]);
        Assert.Equal("unknown", byLine["just text"]);
        Assert.Equal("unknown", byLine["misc:error is not a level"]);
    }

    [Fact]
    public async Task The_switches_give_Loki_2_9s_behaviour()
    {
        var config = Client.WriteConfig("""
            limits_config:
              discover_service_name: []
              discover_log_levels: false
            """);
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        var now = Client.Now;
        using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{}", (now, "no labels")))))
        {
            Assert.Equal(400, (int)r.StatusCode);
            Assert.Equal("error at least one label pair is required per stream\n", await r.Content.ReadAsStringAsync());
        }
        await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"plain\"}", (now, "level=error msg=x"))));
        var lines = await Client.QueryLinesAsync(http, "{app=\"plain\"}", now - 1000, now + 1);
        Assert.Equal("{\"app\":\"plain\"}", Assert.Single(lines).Stream);
    }
}
