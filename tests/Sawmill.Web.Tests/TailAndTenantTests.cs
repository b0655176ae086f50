using System.Globalization;
using System.Net.Http.Json;
using Sawmill.Testing;

namespace Sawmill.Web.Tests;

/// <summary>Live tail over the server's websocket, and the tenant picker of a server with auth enabled.</summary>
[Collection(WebCollection.Name)]
public sealed class TailAndTenantTests(WebFixture fx)
{
    private static async Task PushAsync(HttpClient client, string job, IEnumerable<string> lines)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var values = lines.Select((l, i) => new[] { (now + i).ToString(CultureInfo.InvariantCulture), l }).ToArray();
        using var r = await client.PostAsJsonAsync("loki/api/v1/push", new { streams = new[] { new { stream = new Dictionary<string, string> { ["job"] = job }, values } } });
        r.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Live_tail_shows_lines_pushed_during_the_test_pauses_and_keeps_at_most_the_cap()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"tail-test\"}"));
        await page.WaitPaneAsync(0);
        await page.Pane(0).Locator("button.tail-toggle").ClickAsync();
        await page.Pane(0).Locator(".tail-status", new() { HasText = "live" }).WaitForAsync();
        using var client = fx.Sawmill.CreateClient();
        await PushAsync(client, "tail-test", ["first live line"]);
        await page.Pane(0).Locator(".log-row .line", new() { HasText = "first live line" }).WaitForAsync();

        await page.Pane(0).Locator("button.tail-pause").ClickAsync();
        await PushAsync(client, "tail-test", ["while paused"]);
        await page.Pane(0).Locator(".tail-status", new() { HasText = "2 lines received" }).WaitForAsync();
        Assert.Equal(0, await page.Pane(0).Locator(".log-row .line", new() { HasText = "while paused" }).CountAsync());
        await page.Pane(0).Locator("button.tail-pause").ClickAsync();
        await page.Pane(0).Locator(".log-row .line", new() { HasText = "while paused" }).WaitForAsync();

        await page.Pane(0).Locator("select[name=tail-cap]").SelectOptionAsync("200");
        await PushAsync(client, "tail-test", Enumerable.Range(0, 300).Select(i => $"burst {i}"));
        await page.Pane(0).Locator(".tail-status", new() { HasText = "302 lines received" }).WaitForAsync();
        Assert.StartsWith("200 lines", await page.Pane(0).Locator(".logs-opts .stats").InnerTextAsync());
        // Newest first: the last pushed line is on top.
        Assert.Equal("burst 299", await page.Pane(0).Locator(".log-row .line").First.InnerTextAsync());
        await page.ShotAsync("live-tail.png");
    }

    [Fact]
    public async Task With_auth_enabled_the_tenant_picker_scopes_queries_to_the_chosen_tenant()
    {
        await using var server = await SawmillProcess.StartAsync(["-auth.enabled"]);
        using (var a = server.CreateClient("team-a"))
            await PushAsync(a, "tenant-test", ["only team-a sees this"]);
        using (var b = server.CreateClient("team-b"))
            await PushAsync(b, "tenant-test", ["only team-b sees this"]);
        var context = await fx.Browser.NewContextAsync(new() { BaseURL = server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"tenant-test\"}"));
        var picker = page.Locator("#tenant");
        await picker.WaitForAsync();
        await picker.FillAsync("team-b");
        await picker.PressAsync("Enter");
        await page.Pane(0).Locator(".log-row .line", new() { HasText = "only team-b sees this" }).WaitForAsync();
        Assert.Equal(1, await page.Pane(0).Locator(".log-row").CountAsync());
        Assert.Contains("tenant=team-b", page.Url);
        // The tenant list comes from the server's per-tenant metrics, loaded after the page: wait for it, not for a time.
        foreach (var tenant in new[] { "team-a", "team-b" })
            await page.Locator($"#tenant-list option[value='{tenant}']").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        var options = await page.Locator("#tenant-list option").EvaluateAllAsync<string[]>("els => els.map(e => e.value)");
        Assert.Contains("team-a", options);
        Assert.Contains("team-b", options);
        await context.CloseAsync();
    }

    [Fact]
    public async Task With_auth_enabled_live_tail_sends_the_tenant_as_orgId_and_sees_only_that_tenants_lines()
    {
        await using var server = await SawmillProcess.StartAsync(["-auth.enabled"]);
        var context = await fx.Browser.NewContextAsync(new() { BaseURL = server.BaseAddress.ToString() });
        context.SetDefaultTimeout(20000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"auth-tail\"}"));
        var picker = page.Locator("#tenant");
        await picker.WaitForAsync();
        await picker.FillAsync("team-b");
        await picker.PressAsync("Enter");
        await page.WaitPaneAsync(0);
        await page.Pane(0).Locator("button.tail-toggle").ClickAsync();
        await page.Pane(0).Locator(".tail-status", new() { HasText = "live" }).WaitForAsync();
        using (var a = server.CreateClient("team-a"))
            await PushAsync(a, "auth-tail", ["team-a live line"]);
        using (var b = server.CreateClient("team-b"))
            await PushAsync(b, "auth-tail", ["team-b live line"]);
        await page.Pane(0).Locator(".log-row .line", new() { HasText = "team-b live line" }).WaitForAsync();
        Assert.Equal(0, await page.Pane(0).Locator(".log-row .line", new() { HasText = "team-a" }).CountAsync());
        await context.CloseAsync();
    }

    [Fact]
    public async Task With_auth_enabled_tail_without_a_tenant_is_refused_and_a_bad_orgId_is_rejected_like_the_header()
    {
        await using var server = await SawmillProcess.StartAsync(["-auth.enabled"]);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        // Errors come before the websocket upgrade, so plain GETs see them.
        using (var r = await http.GetAsync("loki/api/v1/tail?query=%7Bjob%3D%22x%22%7D"))
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("no org id", await r.Content.ReadAsStringAsync());
        }
        using (var r = await http.GetAsync("loki/api/v1/tail?query=%7Bjob%3D%22x%22%7D&orgId=a%7Cb"))
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.StatusCode);
        using (var r = await http.GetAsync("loki/api/v1/tail?query=%7Bjob%3D%22x%22%7D&orgId=.."))
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.StatusCode);
        // A valid orgId passes the tenant check and reaches the websocket check.
        using (var r = await http.GetAsync("loki/api/v1/tail?query=%7Bjob%3D%22x%22%7D&orgId=team-a"))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("websocket", await r.Content.ReadAsStringAsync());
        }
        // orgId is only for tail: other endpoints still need the header.
        using (var r = await http.GetAsync("loki/api/v1/labels?orgId=team-a"))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, r.StatusCode);
    }
}
