using System.Net;
using Sawmill.Core;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Api;

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

    [Fact]
    public async Task Stream_label_order_rate_and_lookback_limits_apply_per_tenant_with_Lokis_answers_and_metrics()
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
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var now = Client.Now;

        // max_global_streams_per_user: the third stream is refused with 429; existing streams still accept entries.
        var streams = server.CreateClient("streams");
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"1\"}", (now, "a"))).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"2\"}", (now, "b"))).Status);
        var third = await PushAsync(streams, "{\"n\":\"3\"}", (now, "c"));
        Assert.Equal((HttpStatusCode)429, third.Status);
        Assert.Contains("maximum active stream limit exceeded when trying to create stream", third.Body);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(streams, "{\"n\":\"1\"}", (now + 1, "a2"))).Status);
        Assert.Equal(1, await DiscardedAsync(streams, "streams", "stream_limit"));
        // Another tenant is not limited by it.
        var other = server.CreateClient("other");
        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, $"{{\"n\":\"{i}\"}}", (now, "x"))).Status);

        // per_stream_rate_limit: 2 kB/s with a 2 kB burst; a second 1.5 kB push at once is over it (429), and a
        // different stream of the same tenant has its own bucket.
        var slow = server.CreateClient("slow");
        var line = new string('s', 1500);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(slow, "{\"app\":\"s1\"}", (now, line))).Status);
        var over = await PushAsync(slow, "{\"app\":\"s1\"}", (now + 1, line));
        Assert.Equal((HttpStatusCode)429, over.Status);
        Assert.StartsWith("Per stream rate limit exceeded (limit: 2kB/sec) while attempting to ingest for stream '{app=\"s1\", service_name=\"s1\"}' totaling 1.5kB", over.Body);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(slow, "{\"app\":\"s2\"}", (now, line))).Status);
        Assert.Equal(1, await DiscardedAsync(slow, "slow", "per_stream_rate_limit"));

        // unordered_writes: false — an entry older than the stream's newest is refused; equal and newer are accepted.
        var ordered = server.CreateClient("ordered");
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(ordered, "{\"app\":\"o\"}", (now, "first"))).Status);
        var late = await PushAsync(ordered, "{\"app\":\"o\"}", (now - TimeNs.PerSecond, "late"), (now + 1, "next"));
        Assert.Equal(HttpStatusCode.BadRequest, late.Status);
        Assert.Contains("ignored, reason: 'entry out of order',\n", late.Body);
        Assert.EndsWith("user 'ordered', total ignored: 1 out of 2 for stream: {app=\"o\", service_name=\"o\"}\n", late.Body);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(ordered, "{\"app\":\"o\"}", (now + 1, "same time, other line"))).Status);
        Assert.Equal(1, await DiscardedAsync(ordered, "ordered", "out_of_order"));
        Assert.Equal(3, (await Client.QueryLinesAsync(ordered, "{app=\"o\"}", now - TimeNs.PerMinute, now + TimeNs.PerSecond)).Count);
        // The default (unordered) tenant takes the same late entry.
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, "{\"app\":\"o\"}", (now, "first"), (now - TimeNs.PerSecond, "late"))).Status);

        // max_label_name_length.
        var names = server.CreateClient("names");
        var longName = await PushAsync(names, "{\"a_long_label_name\":\"v\"}", (now, "x"));
        Assert.Equal(HttpStatusCode.BadRequest, longName.Status);
        Assert.Contains("has label name too long: 'a_long_label_name'", longName.Body);
        Assert.Equal(1, await DiscardedAsync(names, "names", "label_name_too_long"));
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, "{\"a_long_label_name\":\"v\"}", (now, "x"))).Status);

        // max_query_lookback: entries older than now - 1h are not returned (nor their label values), newer ones are.
        var recent = server.CreateClient("recent");
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(recent, "{\"app\":\"lb\",\"age\":\"old\"}", (now - 2 * TimeNs.PerHour, "two hours ago"))).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(recent, "{\"app\":\"lb\",\"age\":\"new\"}", (now - 10 * TimeNs.PerMinute, "ten minutes ago"))).Status);
        var lines = await Client.QueryLinesAsync(recent, "{app=\"lb\"}", now - 3 * TimeNs.PerHour, now);
        Assert.Equal("ten minutes ago", Assert.Single(lines).Line);
        Assert.Equal(HttpStatusCode.NoContent, (await PushAsync(other, "{\"app\":\"lb\"}", (now - 2 * TimeNs.PerHour, "two hours ago"))).Status);
        Assert.Single(await Client.QueryLinesAsync(other, "{app=\"lb\"}", now - 3 * TimeNs.PerHour, now));
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
