using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Logging.Push;
using Sawmill.Logging.Tests.Support;
using Sawmill.Testing;

namespace Sawmill.Logging.Tests.Push;

/// <summary>The push provider against a real <c>sawmill</c> server process.</summary>
public sealed class PushProviderSawmillTests
{
    private static SawmillPushOptions Options(Uri url, string app) => new()
    {
        Url = url.ToString(),
        Labels = { ["app"] = app, ["env"] = "test" },
        BatchWait = TimeSpan.FromMilliseconds(100),
        MinBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(300),
        SelfLogToStderr = false,
    };

    private static string NewApp() => "push-test-" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(PushProtocol.Protobuf, false)]
    [InlineData(PushProtocol.Json, true)]
    [InlineData(PushProtocol.Json, false)]
    public async Task Lines_arrive_as_JSON_in_streams_labelled_by_app_env_and_level(PushProtocol protocol, bool gzip)
    {
        await using var sawmill = await SawmillProcess.StartAsync();
        var since = DateTimeOffset.UtcNow;
        var app = NewApp();
        var options = Options(sawmill.BaseAddress, app);
        options.Protocol = protocol;
        options.Gzip = gzip;
        await using (var provider = new SawmillPushLoggerProvider(options))
        {
            using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
            var log = factory.CreateLogger("churn_api");
            using (log.BeginScope(new Dictionary<string, object?> { ["request_id"] = "abc-123" }))
            {
                for (var i = 0; i < 20; i++)
                    log.Info("Prediction successful", new() { ["i"] = i, ["confidence"] = 0.5 + i / 100.0, ["note"] = "naïve ✓" });
                log.Warning("Low confidence prediction", new() { ["confidence"] = 0.55, ["threshold"] = 0.7 });
                log.Error("Prediction error", new() { ["error_type"] = "TimeoutException" });
            }
            await provider.FlushAsync();
            Assert.Equal(new PushStatistics(22, 22, 0, 0, provider.Statistics.Batches, 0, 0), provider.Statistics);
        }

        using var client = sawmill.CreateClient();
        var all = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\"}}", since, 22);
        Assert.Equal(22, all.Count);
        var infos = all.FindAll(l => l.Labels["level"] == "INFO");
        Assert.Equal(20, infos.Count);
        Assert.All(all, l => Assert.Equal("test", l.Labels["env"]));
        Assert.Equal(Enumerable.Range(0, 20), infos.Select(l => l.Json.GetProperty("i").GetInt32()));
        Assert.Equal("naïve ✓", infos[0].Json.GetProperty("note").GetString());
        Assert.Equal("abc-123", infos[0].Json.GetProperty("request_id").GetString());
        var errors = await LokiQuery.RangeAsync(client, $"{{app=\"{app}\", level=\"ERROR\"}}", since);
        Assert.Equal("TimeoutException", Assert.Single(errors).Json.GetProperty("error_type").GetString());
        var warn = await LokiQuery.RangeAsync(client, $"{{app=\"{app}\", level=\"WARNING\"}}", since);
        Assert.Equal(0.7, Assert.Single(warn).Json.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task Disposing_the_provider_flushes_what_is_queued()
    {
        await using var sawmill = await SawmillProcess.StartAsync();
        var since = DateTimeOffset.UtcNow;
        var app = NewApp();
        var options = Options(sawmill.BaseAddress, app);
        options.BatchWait = TimeSpan.FromMinutes(10); // only the flush on dispose can send these
        options.BatchSize = 10_000;
        var provider = new SawmillPushLoggerProvider(options);
        using (var factory = LoggerFactory.Create(b => b.AddProvider(provider)))
        {
            var log = factory.CreateLogger("t");
            for (var i = 0; i < 25; i++)
                log.Info("line", new() { ["i"] = i });
        }
        await provider.DisposeAsync();
        Assert.Equal(25, provider.Statistics.Sent);

        using var client = sawmill.CreateClient();
        Assert.Equal(25, (await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\"}}", since, 25)).Count);
    }

    [Fact]
    public async Task While_the_server_is_down_the_app_keeps_serving_and_the_logs_arrive_when_it_is_back()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-logging-test-").FullName;
        try
        {
            var sawmill = await SawmillProcess.StartAsync(dataDir: dataDir);
            var port = sawmill.BaseAddress.Port;
            var since = DateTimeOffset.UtcNow;
            var app = NewApp();
            var options = Options(sawmill.BaseAddress, app);
            options.MaxRetries = 1000;
            await using var host = await TestHost.StartAsync(
                web =>
                {
                    web.UseSawmillRequestLogging();
                    web.MapGet("/work", (ILoggerFactory f) =>
                    {
                        f.CreateLogger("churn_api").Info("Prediction successful", new() { ["confidence"] = 0.9 });
                        return "ok";
                    });
                },
                b => b.Logging.AddSawmillPush(o =>
                {
                    o.Url = options.Url;
                    o.Labels = options.Labels;
                    o.BatchWait = options.BatchWait;
                    o.MinBackoff = options.MinBackoff;
                    o.MaxBackoff = options.MaxBackoff;
                    o.MaxRetries = options.MaxRetries;
                    o.SelfLogToStderr = false;
                }));
            var provider = host.Services.GetServices<ILoggerProvider>().OfType<SawmillPushLoggerProvider>().Single();

            await CallAsync(host, "before", 5);
            await provider.FlushAsync();
            Assert.Equal(0, provider.Statistics.Retries);

            sawmill.Kill();
            await CallAsync(host, "during", 20); // every call answers while pushes fail
            var pending = provider.FlushAsync();
            await WaitUntilAsync(() => provider.Statistics.Retries > 0);
            Assert.False(pending.IsCompleted);

            await using var restarted = await SawmillProcess.StartAsync(["-server.http-listen-port=" + port], dataDir);
            await pending.WaitAsync(TimeSpan.FromSeconds(60));
            var stats = provider.Statistics;
            Assert.Equal(0, stats.Dropped);
            Assert.Equal(0, stats.Failed);
            Assert.Equal(stats.Enqueued, stats.Sent);

            using var client = restarted.CreateClient();
            var lines = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\"}} |= \"Request completed\"", since, 25);
            var ids = lines.Select(l => l.Json.GetProperty("request_id").GetString()).ToHashSet();
            for (var i = 0; i < 5; i++)
                Assert.Contains($"before-{i}", ids);
            for (var i = 0; i < 20; i++)
                Assert.Contains($"during-{i}", ids);
            await sawmill.DisposeAsync();
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Overflow_while_the_server_is_down_is_counted_and_reported_by_a_pushed_warning()
    {
        var dataDir = Directory.CreateTempSubdirectory("sawmill-logging-test-").FullName;
        try
        {
            int port;
            await using (var first = await SawmillProcess.StartAsync(dataDir: dataDir))
                port = first.BaseAddress.Port; // a port where a server was and will be again; now nothing listens
            var url = new Uri($"http://127.0.0.1:{port}/");
            var since = DateTimeOffset.UtcNow;
            var app = NewApp();
            var options = Options(url, app);
            options.QueueCapacity = 20;
            options.BatchSize = 10;
            options.MaxRetries = 1000;
            options.DropReportInterval = TimeSpan.Zero;
            await using var provider = new SawmillPushLoggerProvider(options);
            using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
            var log = factory.CreateLogger("t");
            for (var i = 0; i < 200; i++)
                log.Info("line", new() { ["i"] = i });
            var pending = provider.FlushAsync();
            var stats = provider.Statistics;
            Assert.Equal(200, stats.Enqueued);
            Assert.True(stats.Dropped >= 200 - 20 - 10, $"dropped {stats.Dropped}");

            await using var sawmill = await SawmillProcess.StartAsync(["-server.http-listen-port=" + port], dataDir);
            await pending.WaitAsync(TimeSpan.FromSeconds(60));
            stats = provider.Statistics;
            Assert.Equal(0, stats.Failed);
            Assert.Equal(200, stats.Sent + stats.Dropped);

            using var client = sawmill.CreateClient();
            var reports = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\", level=\"WARNING\"}} |= \"Log entries dropped\"", since, 1);
            Assert.NotEmpty(reports);
            // Reports cover the drops since the previous one; the last carries the running total.
            Assert.Equal(stats.Dropped, reports.Sum(r => r.Json.GetProperty("dropped").GetInt64()));
            Assert.Equal(stats.Dropped, reports[^1].Json.GetProperty("dropped_total").GetInt64());
            Assert.Equal("Sawmill.Logging.Push", reports[^1].Json.GetProperty("logger").GetString());
            // Drop-oldest keeps the newest entries: the last one logged is among those that arrived.
            var lines = await LokiQuery.WaitForAsync(client, $"{{app=\"{app}\", level=\"INFO\"}}", since, (int)stats.Sent);
            Assert.Equal(stats.Sent, lines.Count);
            Assert.Contains(lines, l => l.Json.GetProperty("i").GetInt32() == 199);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task CallAsync(TestHost host, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/work");
            req.Headers.Add("X-Request-ID", $"{prefix}-{i}");
            using var resp = await host.Client.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in 30 s");
            await Task.Delay(20);
        }
    }
}
