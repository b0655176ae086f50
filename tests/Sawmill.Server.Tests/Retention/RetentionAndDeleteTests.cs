using System.Net;
using Sawmill.Core;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Retention;

public sealed class RetentionAndDeleteTests
{
    [Fact]
    public async Task A_line_filter_delete_hides_only_matching_lines_at_once_and_survives_a_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-delete-").FullName;
        try
        {
            var now = TimeNs.Now();
            await using (var server = await SawmillProcess.StartAsync(dataDir: dataDir))
            {
                var http = server.CreateClient();
                await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"del\"}", (now - 3, "password=hunter2"), (now - 2, "ordinary"), (now - 1, "secret token"))));
                using (var r = await http.PostAsync($"/loki/api/v1/delete?query={Uri.EscapeDataString("{app=\"del\"} |~ \"secret|password\"")}&start={(now - TimeNs.PerMinute) / TimeNs.PerSecond}&end={now / TimeNs.PerSecond + 1}", null))
                    Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
                var lines = await Client.QueryLinesAsync(http, "{app=\"del\"}", now - TimeNs.PerMinute, now + 1);
                Assert.Equal("ordinary", Assert.Single(lines).Line);
                using var list = await Client.GetJsonAsync(http, "/loki/api/v1/delete");
                var request = Assert.Single(list.RootElement.EnumerateArray());
                Assert.Equal("received", request.GetProperty("status").GetString());
                Assert.Equal("{app=\"del\"} |~ \"secret|password\"", request.GetProperty("query").GetString());
                await server.StopAsync();
            }
            await using var restarted = await SawmillProcess.StartAsync(dataDir: dataDir);
            var after = await Client.QueryLinesAsync(restarted.CreateClient(), "{app=\"del\"}", now - TimeNs.PerMinute, now + 1);
            Assert.Equal("ordinary", Assert.Single(after).Line);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_delete_brings_the_lines_back_and_bad_requests_get_400()
    {
        await using var server = await SawmillProcess.StartAsync();
        var http = server.CreateClient();
        var now = TimeNs.Now();
        await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"cancel\"}", (now - 1, "x"))));
        using (var r = await http.PostAsync($"/loki/api/v1/delete?query={Uri.EscapeDataString("{app=\"cancel\"}")}&start={now / TimeNs.PerSecond - 60}", null))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Empty(await Client.QueryLinesAsync(http, "{app=\"cancel\"}", now - TimeNs.PerMinute, now + 1));
        using var list = await Client.GetJsonAsync(http, "/loki/api/v1/delete");
        var id = Assert.Single(list.RootElement.EnumerateArray()).GetProperty("request_id").GetString();
        using (var r = await http.DeleteAsync($"/loki/api/v1/delete?request_id={id}"))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Single(await Client.QueryLinesAsync(http, "{app=\"cancel\"}", now - TimeNs.PerMinute, now + 1));
        using (var r = await http.PostAsync("/loki/api/v1/delete?query=%7Bapp%3D%22x%22%7D", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Equal("start time not set\n", await r.Content.ReadAsStringAsync());
        }
        using (var r = await http.PostAsync("/loki/api/v1/delete?query=nonsense&start=1", null))
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task Queries_never_return_data_past_retention_and_stream_rules_override_the_period()
    {
        var config = Client.WriteConfig("""
            limits_config:
              retention_period: 1h
              retention_stream:
                - selector: '{env="dev"}'
                  priority: 1
                  period: 10m
                - selector: '{env="audit"}'
                  priority: 1
                  period: 72h
            """);
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        var now = TimeNs.Now();
        var ago = (long minutes) => now - minutes * TimeNs.PerMinute;
        await Client.PushJsonAsync(http, Client.Body(
            Client.Stream("{\"app\":\"ret\",\"env\":\"prod\"}", (ago(120), "prod old"), (ago(30), "prod recent")),
            Client.Stream("{\"app\":\"ret\",\"env\":\"dev\"}", (ago(30), "dev 30m"), (ago(5), "dev 5m")),
            Client.Stream("{\"app\":\"ret\",\"env\":\"audit\"}", (ago(120), "audit old"))));
        var lines = (await Client.QueryLinesAsync(http, "{app=\"ret\"}", ago(24 * 60), now + 1)).Select(l => l.Line).Order().ToList();
        Assert.Equal(["audit old", "dev 5m", "prod recent"], lines);
    }
}
