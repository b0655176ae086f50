using System.Net;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Tenancy;

/// <summary>Per-tenant overrides reloaded live and multi-tenant queries, against real processes.</summary>
public sealed class TenancyTests
{
    [Fact]
    public async Task Runtime_overrides_apply_per_tenant_and_reload_live()
    {
        var overrides = Client.WriteConfig("overrides:\n  small:\n    max_line_size: 10\n");
        var config = Client.WriteConfig($"auth_enabled: true\nruntime_config:\n  file: {overrides}\n  period: 1s\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var line = new string('x', 50);
        var now = Client.Now;

        using (var r = await Client.PushJsonAsync(server.CreateClient("small"), Client.Body(Client.Stream("{\"app\":\"o\"}", (now, line)))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("Max entry size '10' bytes exceeded", await r.Content.ReadAsStringAsync());
        }
        using (var r = await Client.PushJsonAsync(server.CreateClient("big"), Client.Body(Client.Stream("{\"app\":\"o\"}", (now, line)))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // Edit the file: "small" is lifted, "big" gets the limit. Within a few periods the server follows.
        File.WriteAllText(overrides, "overrides:\n  big:\n    max_line_size: 20\n");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode small, big;
        do
        {
            await Task.Delay(300);
            now = Client.Now;
            using var rs = await Client.PushJsonAsync(server.CreateClient("small"), Client.Body(Client.Stream("{\"app\":\"o\"}", (now, line))));
            using var rb = await Client.PushJsonAsync(server.CreateClient("big"), Client.Body(Client.Stream("{\"app\":\"o\"}", (now, line))));
            (small, big) = (rs.StatusCode, rb.StatusCode);
        }
        while ((small, big) != (HttpStatusCode.NoContent, HttpStatusCode.BadRequest) && DateTime.UtcNow < deadline);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.BadRequest), (small, big));
        Assert.Contains("runtime config loaded", server.Output);

        // A broken edit keeps the last good overrides and is logged.
        File.WriteAllText(overrides, "overrides:\n  big:\n    max_line_size: huge\n");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!server.Output.Contains("runtime config reload failed") && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Contains("overrides.big.max_line_size", server.Output);
        using (var r = await Client.PushJsonAsync(server.CreateClient("big"), Client.Body(Client.Stream("{\"app\":\"o\"}", (Client.Now, line)))))
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task A_bad_overrides_file_stops_start_up()
    {
        var overrides = Client.WriteConfig("overrides:\n  t1:\n    ingestion_rate_mb: fast\n");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => SawmillProcess.StartAsync(["-runtime-config.file=" + overrides], timeout: TimeSpan.FromSeconds(30)));
        Assert.Contains("overrides.t1.ingestion_rate_mb: \"fast\" is not a number", ex.Message);
    }

    [Fact]
    public async Task Multi_tenant_queries_add_the_tenant_label_and_can_select_by_it()
    {
        var config = Client.WriteConfig("auth_enabled: true\nquerier:\n  multi_tenant_queries_enabled: true\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var now = Client.Now;
        using (var r = await Client.PushJsonAsync(server.CreateClient("a"), Client.Body(Client.Stream("{\"app\":\"m\"}", (now, "from a")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await Client.PushJsonAsync(server.CreateClient("b"), Client.Body(Client.Stream("{\"app\":\"m\"}", (now + 1, "from b")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        var both = await Client.QueryLinesAsync(server.CreateClient("a|b"), "{app=\"m\"}", now - 1, now + 2);
        Assert.Equal(2, both.Count);
        Assert.Contains(both, l => l.Line == "from a" && l.Stream.Contains("\"__tenant_id__\":\"a\""));
        Assert.Contains(both, l => l.Line == "from b" && l.Stream.Contains("\"__tenant_id__\":\"b\""));

        var onlyB = await Client.QueryLinesAsync(server.CreateClient("a|b"), "{app=\"m\", __tenant_id__=\"b\"}", now - 1, now + 2);
        Assert.Equal(["from b"], onlyB.Select(l => l.Line));

        using var count = await Client.GetJsonAsync(server.CreateClient("a|b"), "/loki/api/v1/query",
            ("query", "sum by (__tenant_id__) (count_over_time({app=\"m\"}[1m]))"), ("time", (now + 2).ToString()));
        var tenants = count.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(s => s.GetProperty("metric").GetProperty("__tenant_id__").GetString()).Order().ToList();
        Assert.Equal(["a", "b"], tenants);

        // A single tenant still sees only its own lines, without the label.
        var onlyA = await Client.QueryLinesAsync(server.CreateClient("a"), "{app=\"m\"}", now - 1, now + 2);
        Assert.Equal(["from a"], onlyA.Select(l => l.Line));
        Assert.DoesNotContain("__tenant_id__", onlyA[0].Stream);
    }

    [Fact]
    public async Task Multi_tenant_queries_are_refused_unless_enabled()
    {
        await using var server = await SawmillProcess.StartAsync(["-auth.enabled"]);
        var (status, body) = await Client.GetTextAsync(server.CreateClient("a|b"), "/loki/api/v1/query_range", ("query", "{app=\"m\"}"));
        Assert.Equal(400, status);
        Assert.Contains("multi-tenant queries are disabled", body);
    }
}
