using System.Net;
using Sawmill.Core;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Distribution;

/// <summary>
/// The per-tenant limits not covered elsewhere, each set for one tenant in a runtime overrides file and checked against
/// a real server: the status and Loki's text, the <c>loki_discarded_*</c> counters per tenant and reason, and that the
/// other tenants are unaffected.
/// </summary>
public sealed class LimitsEnforcementTests
{
    private static async Task<double> DiscardedAsync(HttpClient http, string tenant, string reason)
    {
        var (_, text) = await Client.GetTextAsync(http, "/metrics");
        var prefix = $"loki_discarded_samples_total{{tenant=\"{tenant}\",reason=\"{reason}\"}} ";
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }

    private static async Task<(HttpStatusCode Status, string Body)> PushAsync(HttpClient http, string labels, params (long Ts, string Line)[] values)
    {
        using var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream(labels, values)));
        return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    /// <summary>One server for the per-tenant limit tests: each limit is set for its own tenant in the overrides file.</summary>
    public sealed class LimitsServer : IAsyncLifetime
    {
        public SawmillProcess Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var overrides = Client.WriteConfig("""
                overrides:
                  streams:
                    max_global_streams_per_user: 2
                  slow:
                    per_stream_rate_limit: 2KB
                    per_stream_rate_limit_burst: 2KB
                  ordered:
                    unordered_writes: false
                  names:
                    max_label_name_length: 10
                  recent:
                    max_query_lookback: 1h
                """);
            var config = Client.WriteConfig($"auth_enabled: true\nruntime_config:\n  file: {overrides}\n");
            Server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        }

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    public sealed class PerTenantLimits(LimitsServer fixture) : IClassFixture<LimitsServer>
    {
        private readonly long _now = Client.Now;

        private HttpClient Tenant(string name) => fixture.Server.CreateClient(name);

        [Fact]
        public async Task Max_global_streams_refuses_a_new_stream_with_429_while_existing_streams_and_other_tenants_go_on()
        {
            var streams = Tenant("streams");
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"1\"}", (_now, "a"))).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"2\"}", (_now, "b"))).Status);
            var third = await PushAsync(streams, "{\"n\":\"3\"}", (_now, "c"));
            Assert.Equal((HttpStatusCode)429, third.Status);
            Assert.Contains("Maximum active stream limit exceeded", third.Body);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"1\"}", (_now + 1, "a2"))).Status);
            Assert.Equal(1, await DiscardedAsync(streams, "streams", "stream_limit"));
            var other = Tenant("other-streams");
            for (var i = 0; i < 4; i++)
                Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, $"{{\"n\":\"{i}\"}}", (_now, "x"))).Status);
        }

        [Fact]
        public async Task Per_stream_rate_limit_refuses_a_push_over_the_burst_and_each_stream_has_its_own_bucket()
        {
            // 2 kB/s with a 2 kB burst: a second 1.5 kB push at once is over it (429); another stream is not.
            var slow = Tenant("slow");
            var line = new string('s', 1500);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(slow, "{\"app\":\"s1\"}", (_now, line))).Status);
            var over = await PushAsync(slow, "{\"app\":\"s1\"}", (_now + 1, line));
            Assert.Equal((HttpStatusCode)429, over.Status);
            Assert.StartsWith("Per stream rate limit exceeded (limit: 2kB/sec) while attempting to ingest for stream '{app=\"s1\"}' totaling 1.5kB", over.Body);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(slow, "{\"app\":\"s2\"}", (_now, line))).Status);
            Assert.Equal(1, await DiscardedAsync(slow, "slow", "per_stream_rate_limit"));
        }

        [Fact]
        public async Task Without_unordered_writes_an_entry_older_than_the_streams_newest_is_refused()
        {
            var ordered = Tenant("ordered");
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(ordered, "{\"app\":\"o\"}", (_now, "first"))).Status);
            var late = await PushAsync(ordered, "{\"app\":\"o\"}", (_now - TimeNs.PerSecond, "late"), (_now + 1, "next"));
            Assert.Equal(HttpStatusCode.BadRequest, late.Status);
            Assert.Contains("reason: 'entry out of order' for stream: {app=\"o\"}", late.Body);
            Assert.Contains("total ignored: 1 out of 2", late.Body);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(ordered, "{\"app\":\"o\"}", (_now + 1, "same time, other line"))).Status);
            Assert.Equal(1, await DiscardedAsync(ordered, "ordered", "out_of_order"));
            Assert.Equal(3, (await Client.QueryLinesAsync(ordered, "{app=\"o\"}", _now - TimeNs.PerMinute, _now + TimeNs.PerSecond)).Count);
            // A tenant with the default (unordered) setting takes the same late entry.
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(Tenant("other-ordered"), "{\"app\":\"o\"}", (_now, "first"), (_now - TimeNs.PerSecond, "late"))).Status);
        }

        [Fact]
        public async Task Max_label_name_length_refuses_a_longer_label_name()
        {
            var names = Tenant("names");
            var longName = await PushAsync(names, "{\"a_long_label_name\":\"v\"}", (_now, "x"));
            Assert.Equal(HttpStatusCode.BadRequest, longName.Status);
            Assert.Contains("has label name too long: 'a_long_label_name'", longName.Body);
            Assert.Equal(1, await DiscardedAsync(names, "names", "label_name_too_long"));
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(Tenant("other-names"), "{\"a_long_label_name\":\"v\"}", (_now, "x"))).Status);
        }

        [Fact]
        public async Task Max_query_lookback_hides_older_entries_from_queries()
        {
            var recent = Tenant("recent");
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(recent, "{\"app\":\"lb\",\"age\":\"old\"}", (_now - 2 * TimeNs.PerHour, "two hours ago"))).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(recent, "{\"app\":\"lb\",\"age\":\"new\"}", (_now - 10 * TimeNs.PerMinute, "ten minutes ago"))).Status);
            var lines = await Client.QueryLinesAsync(recent, "{app=\"lb\"}", _now - 3 * TimeNs.PerHour, _now);
            Assert.Equal("ten minutes ago", Assert.Single(lines).Line);
            var other = Tenant("other-recent");
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, "{\"app\":\"lb\"}", (_now - 2 * TimeNs.PerHour, "two hours ago"))).Status);
            Assert.Single(await Client.QueryLinesAsync(other, "{app=\"lb\"}", _now - 3 * TimeNs.PerHour, _now));
        }
    }

    [Fact]
    public async Task Lokis_compactor_keys_start_the_server_with_warnings_for_the_ones_without_effect()
    {
        var config = Client.WriteConfig("""
            compactor:
              working_directory: /loki/compactor
              compaction_interval: 10m
              retention_enabled: true
              retention_delete_delay: 2h
              retention_delete_worker_count: 150
              delete_request_store: filesystem
              delete_request_cancel_period: 24h
            limits_config:
              retention_period: 744h
            """);
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        Assert.Contains("compactor.retention_delete_delay", server.Output);
        Assert.Contains("compactor.working_directory", server.Output);
        var (status, effective) = await Client.GetTextAsync(server.CreateClient(), "/config");
        Assert.Equal(200, status);
        Assert.Contains("retention_enabled: true", effective);
        Assert.Matches("retention_period: (744h|31d|4w3d)", effective);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task Path_traversal_looking_tenant_ids_are_rejected(string tenant)
    {
        var config = Client.WriteConfig("auth_enabled: true\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var http = server.CreateClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("X-Scope-OrgID", tenant);
        var (status, body) = await PushAsync(http, "{\"app\":\"x\"}", (Client.Now, "x"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("tenant ID", body);
        Assert.False(Directory.Exists(Path.Combine(server.DataDir, "etc")));
    }
}
