using System.Net;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Config;

public sealed class LimitsAndConfigTests
{
    [Fact]
    public async Task A_body_over_the_size_limit_gets_413()
    {
        var config = Client.WriteConfig("distributor:\n  max_recv_msg_size: 1000\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        using var r = await Client.PushJsonAsync(server.CreateClient(), Client.Body(Client.Stream("{\"app\":\"big\"}", (Client.Now, new string('x', 5000)))));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }

    [Fact]
    public async Task The_ingestion_rate_limit_answers_429_with_Lokis_text()
    {
        var config = Client.WriteConfig("limits_config:\n  ingestion_rate_mb: 0.001\n  ingestion_burst_size_mb: 0.002\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        var line = new string('x', 1500);
        using var first = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"rate\"}", (Client.Now, line))));
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        using var second = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"rate\"}", (Client.Now, line + "2"))));
        Assert.Equal((HttpStatusCode)429, second.StatusCode);
        Assert.StartsWith("Ingestion rate limit exceeded for user fake (limit: 1048 bytes/sec)", await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_line_over_max_line_size_is_rejected_or_truncated()
    {
        var config = Client.WriteConfig("limits_config:\n  max_line_size: 10\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        using var r = await Client.PushJsonAsync(server.CreateClient(), Client.Body(Client.Stream("{\"app\":\"long\"}", (Client.Now, "0123456789ABC"))));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.StartsWith("Max entry size '10' bytes exceeded for stream '{app=\"long\"}' while adding an entry with length '13' bytes", await r.Content.ReadAsStringAsync());

        var truncate = Client.WriteConfig("limits_config:\n  max_line_size: 10\n  max_line_size_truncate: true\n");
        await using var server2 = await SawmillProcess.StartAsync(["-config.file=" + truncate]);
        var now = Client.Now;
        using var r2 = await Client.PushJsonAsync(server2.CreateClient(), Client.Body(Client.Stream("{\"app\":\"long\"}", (now, "0123456789ABC"))));
        Assert.Equal(HttpStatusCode.NoContent, r2.StatusCode);
        var lines = await Client.QueryLinesAsync(server2.CreateClient(), "{app=\"long\"}", now - 1, now + 1);
        Assert.Equal("0123456789", Assert.Single(lines).Line);
    }

    [Fact]
    public async Task With_auth_enabled_requests_need_an_org_id_and_tenants_are_isolated()
    {
        await using var server = await SawmillProcess.StartAsync(["-auth.enabled"]);
        var anonymous = server.CreateClient();
        using (var r = await Client.PushJsonAsync(anonymous, Client.Body(Client.Stream("{\"app\":\"a\"}", (Client.Now, "x")))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("no org id\n", await r.Content.ReadAsStringAsync());
        }
        var now = Client.Now;
        using (var r = await Client.PushJsonAsync(server.CreateClient("team-a"), Client.Body(Client.Stream("{\"app\":\"shared\"}", (now, "secret of a")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Single(await Client.QueryLinesAsync(server.CreateClient("team-a"), "{app=\"shared\"}", now - 1, now + 1));
        Assert.Empty(await Client.QueryLinesAsync(server.CreateClient("team-b"), "{app=\"shared\"}", now - 1, now + 1));
        using var labels = await Client.GetJsonAsync(server.CreateClient("team-b"), "/loki/api/v1/labels");
        Assert.Empty(labels.RootElement.GetProperty("data").EnumerateArray());
        var (status, body) = await Client.GetTextAsync(server.CreateClient("../etc"), "/loki/api/v1/labels");
        Assert.Equal(400, status);
        Assert.Contains("unsupported character '/'", body);
    }

    [Fact]
    public async Task The_courses_loki_config_starts_with_warnings_for_legacy_keys()
    {
        var config = Client.WriteConfig("""
            auth_enabled: false
            ingester:
              chunk_idle_period: 3m
              chunk_block_size: 262144
              chunk_retain_period: 1m
              max_transfer_retries: 0
              lifecycler:
                ring:
                  kvstore:
                    store: inmemory
                  replication_factor: 1
            limits_config:
              retention_period: 168h  # 7 days
              enforce_metric_name: false
              reject_old_samples: true
              reject_old_samples_max_age: 168h
              ingestion_rate_mb: 10
              ingestion_burst_size_mb: 20
            schema_config:
              configs:
                - from: 2020-10-24
                  store: boltdb-shipper
                  object_store: filesystem
                  schema: v11
                  index:
                    prefix: index_
                    period: 24h
            server:
              http_listen_port: 3100
            storage_config:
              boltdb_shipper:
                active_index_directory: /data/loki/boltdb-shipper-active
                cache_location: /data/loki/boltdb-shipper-cache
                cache_ttl: 24h
                shared_store: filesystem
              filesystem:
                directory: /data/loki/chunks
            chunk_store_config:
              max_look_back_period: 168h  # 7 days
            table_manager:
              retention_deletes_enabled: true
              retention_period: 168h  # 7 days
            """);
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var output = server.Output;
        Assert.Contains("schema_config is not used by Sawmill", output);
        Assert.Contains("storage_config is not used by Sawmill", output);
        Assert.Contains("table_manager is not used by Sawmill", output);
        Assert.Contains("ingester.lifecycler is not used by Sawmill", output);
        var (_, effective) = await Client.GetTextAsync(server.CreateClient(), "/config");
        Assert.Contains("ingestion_rate_mb: 10", effective);
        Assert.Contains("retention_period: 1w", effective);
        Assert.Contains("chunk_idle_period: 3m", effective);
    }

    [Fact]
    public async Task A_bad_config_value_stops_start_up_naming_key_value_and_allowed()
    {
        var config = Client.WriteConfig("limits_config:\n  ingestion_rate_mb: lots\n");
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => SawmillProcess.StartAsync(["-config.file=" + config], timeout: TimeSpan.FromSeconds(30)));
        Assert.Contains("config key limits_config.ingestion_rate_mb: \"lots\" is not a number", ex.Message);
    }

    [Fact]
    public async Task Config_values_expand_environment_variables_when_asked()
    {
        var config = Client.WriteConfig("limits_config:\n  max_query_series: ${SAWMILL_TEST_SERIES:-42}\n  max_entries_limit_per_query: ${SAWMILL_TEST_ENTRIES}\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config, "-config.expand-env=true"],
            environment: new Dictionary<string, string> { ["SAWMILL_TEST_ENTRIES"] = "777" });
        var (_, effective) = await Client.GetTextAsync(server.CreateClient(), "/config");
        Assert.Contains("max_query_series: 42", effective);
        Assert.Contains("max_entries_limit_per_query: 777", effective);
    }

    [Fact]
    public async Task Series_requests_with_more_match_groups_than_max_streams_matchers_per_query_get_400()
    {
        var config = Client.WriteConfig("limits_config:\n  max_streams_matchers_per_query: 2\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        var (ok, _) = await Client.GetTextAsync(http, "/loki/api/v1/series", ("match[]", "{app=\"a\"}"), ("match[]", "{app=\"b\"}"));
        Assert.Equal(200, ok);
        var (status, body) = await Client.GetTextAsync(http, "/loki/api/v1/series", ("match[]", "{app=\"a\"}"), ("match[]", "{app=\"b\"}"), ("match[]", "{app=\"c\"}"));
        Assert.Equal(400, status);
        Assert.Equal("max streams matchers per query exceeded, matchers-count > limit (3 > 2)\n", body);
    }
}
