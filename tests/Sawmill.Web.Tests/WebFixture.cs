using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Sawmill.Testing;

namespace Sawmill.Web.Tests;

/// <summary>
/// One real sawmill server (with <c>ui.prometheus_url</c> pointing at a real Prometheus that scrapes it), seeded data,
/// and one headless Debian Chromium driven by Playwright, shared by every browser test. Each test opens its own
/// browser context (a cold cache).
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    /// <summary>Seeded log streams: job="churn-api", service api (JSON lines) or worker (logfmt), level as a label.</summary>
    public const int SeedLines = 600;

    /// <summary>Lines in the job="bulk" stream for the 5,000-line responsiveness check.</summary>
    public const int BulkLines = 5000;

    private IPlaywright? _playwright;
    private PrometheusProcess? _prometheus;
    private string? _configDir;

    public SawmillProcess Sawmill { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string PrometheusUrl => _prometheus!.Address.ToString();
    public long SeedEndMs { get; private set; }

    /// <summary>Where tests write the screenshots the README shows (docs/images in the repository).</summary>
    public static string ImagesDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Sawmill.slnx")))
                dir = dir.Parent;
            var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "docs", "images");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    public async Task InitializeAsync()
    {
        // Sawmill's config names Prometheus's URL and Prometheus scrapes sawmill's /metrics: reserve Prometheus's port
        // first, start sawmill with it, then start Prometheus on it.
        var promPort = PrometheusProcess.FreePort();
        _configDir = Directory.CreateTempSubdirectory("sawmill-web-cfg-").FullName;
        var configPath = Path.Combine(_configDir, "sawmill.yaml");
        await File.WriteAllTextAsync(configPath, $"ui:\n  prometheus_url: http://127.0.0.1:{promPort}/\n");
        Sawmill = await SawmillProcess.StartAsync(["-config.file=" + configPath]);
        _prometheus = await PrometheusProcess.StartAsync(promPort, [("sawmill", Sawmill.BaseAddress.Authority)]);
        await SeedAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, BaseURL = Sawmill.BaseAddress.ToString() });
        context.SetDefaultTimeout(20000);
        return await context.NewPageAsync();
    }

    private async Task SeedAsync()
    {
        var rnd = new Random(7);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        SeedEndMs = now;
        var streams = new Dictionary<(string Service, string Level), List<string[]>>();
        string[] levels = ["info", "info", "info", "warn", "error", "debug"];
        for (var i = 0; i < SeedLines; i++)
        {
            var level = levels[rnd.Next(levels.Length)];
            var service = rnd.Next(2) == 0 ? "api" : "worker";
            var tsNs = (now - (SeedLines - i) * 5000L) * 1_000_000L;
            var rid = "req-" + rnd.Next(0, 40).ToString("D4", CultureInfo.InvariantCulture);
            var line = service == "api"
                ? $"{{\"level\":\"{level}\",\"msg\":\"handled request\",\"path\":\"/orders\",\"status\":{(rnd.Next(5) == 0 ? 500 : 200)},\"request_id\":\"{rid}\",\"duration_ms\":{rnd.Next(1, 900)}}}"
                : $"level={level} msg=\"job done\" job_id={i} request_id={rid} took={rnd.Next(1, 90)}ms";
            if (!streams.TryGetValue((service, level), out var list))
                streams[(service, level)] = list = [];
            list.Add([tsNs.ToString(CultureInfo.InvariantCulture), line]);
        }
        var bulk = new List<string[]>();
        for (var i = 0; i < BulkLines; i++)
            bulk.Add([((now - (BulkLines - i) * 100L) * 1_000_000L).ToString(CultureInfo.InvariantCulture), $"level=info bulk line {i} user={i % 97} took={i % 13}ms"]);
        var body = new
        {
            streams = streams.Select(kv => new { stream = new Dictionary<string, string> { ["job"] = "churn-api", ["service"] = kv.Key.Service, ["level"] = kv.Key.Level }, values = kv.Value })
                .Append(new { stream = new Dictionary<string, string> { ["job"] = "bulk", ["service"] = "bulk", ["level"] = "info" }, values = bulk })
                .ToArray(),
        };
        using var client = Sawmill.CreateClient();
        using var r = await client.PostAsJsonAsync("loki/api/v1/push", body);
        if (!r.IsSuccessStatusCode)
            throw new InvalidOperationException("seeding failed: " + await r.Content.ReadAsStringAsync());
    }

    /// <summary>Pushes <paramref name="count"/> error lines of the API service spread over the last minute.</summary>
    public async Task PushRecentErrorsAsync(int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var values = Enumerable.Range(0, count).Select(i => new[]
        {
            ((now - (count - i) * (60_000L / count)) * 1_000_000L).ToString(CultureInfo.InvariantCulture),
            $"{{\"level\":\"error\",\"msg\":\"upstream timeout\",\"path\":\"/orders\",\"status\":500,\"request_id\":\"req-9{i:D3}\"}}",
        }).ToArray();
        using var client = Sawmill.CreateClient();
        using var r = await client.PostAsJsonAsync("loki/api/v1/push", new { streams = new[] { new { stream = new Dictionary<string, string> { ["job"] = "churn-api", ["service"] = "api", ["level"] = "error" }, values } } });
        r.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        if (Browser != null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Sawmill != null)
            await Sawmill.DisposeAsync();
        if (_prometheus != null)
            await _prometheus.DisposeAsync();
        if (_configDir != null)
            Directory.Delete(_configDir, recursive: true);
    }
}
