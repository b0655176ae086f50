using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sawmill.Web.Tests;

/// <summary>The Explore page against a real sawmill with seeded data, in headless Chromium.</summary>
[Collection(WebCollection.Name)]
public sealed class ExploreTests(WebFixture fx)
{
    [Fact]
    public async Task Typing_a_query_with_autocomplete_runs_it_and_shows_lines_and_the_level_histogram()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/explore?from=now-1h&to=now");
        var input = page.Pane(0).Locator("textarea.query-input");
        await input.ClickAsync();
        await page.Keyboard.TypeAsync("{");
        // Label names come from /loki/api/v1/labels for the current range.
        var job = page.Locator(".completion div", new() { HasText = "job" });
        await job.WaitForAsync();
        await page.Keyboard.TypeAsync("jo");
        await page.WaitForFunctionAsync("() => { const o = [...document.querySelectorAll('.completion div')]; return o.length === 1 && o[0].textContent.startsWith('job'); }");
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("{job=", await input.InputValueAsync());
        // Label values from /loki/api/v1/label/job/values, offered right after the operator.
        await page.Locator(".completion div", new() { HasText = "churn-api" }).WaitForAsync();
        await page.Keyboard.TypeAsync("\"ch");
        await page.WaitForFunctionAsync("() => { const o = [...document.querySelectorAll('.completion div')]; return o.length > 0 && o.every(d => d.textContent.startsWith('churn')); }");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.TypeAsync("}");
        Assert.Equal("{job=\"churn-api\"}", await input.InputValueAsync());
        var before = await page.NowAsync();
        await page.Keyboard.PressAsync("Control+Enter");
        await page.WaitPaneAsync(0, before);

        var rows = page.Pane(0).Locator(".log-row");
        Assert.True(await rows.CountAsync() > 10);
        // The seed, plus the fresh lines other tests in this collection may have pushed already.
        var shown = int.Parse(Regex.Match(await page.Pane(0).Locator(".logs-opts .stats").InnerTextAsync(), "^(\\d+) lines").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(shown, WebFixture.SeedLines, WebFixture.SeedLines + 20);
        // The histogram is stacked by the level label: its legend lists the levels.
        var legend = await page.Pane(0).Locator(".legend").First.InnerTextAsync();
        Assert.Contains("error", legend);
        Assert.Contains("info", legend);
        // Level colours come from the level label.
        Assert.True(await page.Pane(0).Locator(".log-row.lv-error").CountAsync() > 0);
        // The query is in the URL.
        Assert.Contains("q=%7Bjob%3D%22churn-api%22%7D", page.Url);
        await page.ShotAsync("explore-logs.png");
    }

    [Fact]
    public async Task Expanding_a_line_shows_labels_and_parsed_fields_and_filter_for_edits_the_query()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"churn-api\"}"));
        await page.WaitPaneAsync(0);
        var first = page.Pane(0).Locator(".log-row").First;
        await first.Locator(".line").ClickAsync();
        var details = page.Pane(0).Locator(".log-details");
        await details.WaitForAsync();
        var text = await details.InnerTextAsync();
        Assert.Contains("LABELS", text.ToUpperInvariant());
        Assert.Contains("PARSED FIELDS", text.ToUpperInvariant());
        Assert.Contains("request_id", text);
        await page.ShotAsync("explore-details.png");

        var service = await details.Locator("tr[data-field=service] td").Nth(2).InnerTextAsync();
        var before = await page.NowAsync();
        await details.Locator("tr[data-field=service] button.filter-for").ClickAsync();
        await page.WaitPaneAsync(0, before);
        var query = await page.Pane(0).Locator("textarea.query-input").InputValueAsync();
        Assert.Equal($"{{job=\"churn-api\", service=\"{service}\"}}", query);
        var rows = await page.Pane(0).Locator(".log-row").CountAsync();
        Assert.True(rows > 0);
        // Every line now comes from that service (API lines are JSON, worker lines logfmt).
        var lines = await page.Pane(0).Locator(".log-row .line").AllInnerTextsAsync();
        Assert.All(lines, l => Assert.Equal(service == "api", l.StartsWith('{')));

        // Filter out replaces the matcher on the same label.
        await page.Pane(0).Locator(".log-row .line").First.ClickAsync();
        before = await page.NowAsync();
        await page.Pane(0).Locator(".log-details tr[data-field=service] button.filter-out").ClickAsync();
        await page.WaitPaneAsync(0, before);
        Assert.Equal($"{{job=\"churn-api\", service!=\"{service}\"}}", await page.Pane(0).Locator("textarea.query-input").InputValueAsync());
    }

    [Fact]
    public async Task A_parse_error_is_marked_at_the_column_the_server_reports()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"churn-api\" |= \"x\""));
        await page.WaitPaneAsync(0);
        var error = await page.Pane(0).Locator(".editor-error").InnerTextAsync();
        // As Loki, the error after a selector's missing brace names line 0 (its lexer reads |= by characters).
        Assert.Matches("line 0, col \\d+", error);
        var col = int.Parse(Regex.Match(error, "col (\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // The marked token covers the reported column (1-based).
        var marked = await page.EvaluateAsync<int[]>("() => { const pre = document.querySelector('[data-pane=\"0\"] .editor pre'); const span = pre.querySelector('.tk-error'); let off = 0; for (const n of pre.childNodes) { if (n === span) break; off += n.textContent.length; } return [off, off + span.textContent.length]; }");
        Assert.InRange(col - 1, marked[0], marked[1] - 1);
    }

    [Fact]
    public async Task A_metric_query_draws_a_graph_with_a_legend_that_toggles_series_and_an_instant_query_a_table()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("sum by (level) (count_over_time({job=\"churn-api\"}[1m]))"));
        await page.WaitPaneAsync(0);
        var legend = page.Pane(0).Locator(".legend span");
        Assert.Equal(4, await legend.CountAsync());
        var error = legend.Filter(new() { HasText = "error" });
        await error.ClickAsync();
        Assert.Contains("off", await error.GetAttributeAsync("class") ?? "");
        await error.ClickAsync();
        Assert.DoesNotContain("off", await error.GetAttributeAsync("class") ?? "");
        // Hovering shows the values at the cursor.
        var canvas = page.Pane(0).Locator("canvas");
        var box = (await canvas.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.8f, box.Y + box.Height / 2);
        var tip = page.Pane(0).Locator(".tooltip");
        await tip.WaitForAsync();
        Assert.Contains("info", await tip.InnerTextAsync());
        await page.ShotAsync("explore-metrics.png");

        await page.Pane(0).Locator("textarea.query-input").FillAsync("sum by (level) (count_over_time({job=\"churn-api\"}[1h]))");
        await page.Pane(0).Locator("select[name=type]").SelectOptionAsync("instant");
        await page.Pane(0).Locator("table.instant-table").WaitForAsync();
        // One row per level, with the hour's count.
        Assert.Equal(5, await page.Pane(0).Locator("table.instant-table tr").CountAsync());
        Assert.Contains("type=instant", page.Url);
    }

    [Fact]
    public async Task Dragging_on_a_graph_zooms_the_time_range()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("sum(count_over_time({job=\"churn-api\"}[1m]))"));
        await page.WaitPaneAsync(0);
        var box = (await page.Pane(0).Locator("canvas").BoundingBoxAsync())!;
        var before = await page.NowAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.5f, box.Y + 40);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.7f, box.Y + 40, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await page.WaitPaneAsync(0, before);
        var url = new Uri(page.Url);
        var q = System.Web.HttpUtility.ParseQueryString(url.Query);
        var from = long.Parse(q["from"]!, System.Globalization.CultureInfo.InvariantCulture);
        var to = long.Parse(q["to"]!, System.Globalization.CultureInfo.InvariantCulture);
        // About a fifth of the hour that was shown.
        Assert.InRange(to - from, 8 * 60_000, 16 * 60_000);
    }

    [Fact]
    public async Task Split_view_draws_a_prometheus_graph_through_the_server_proxy_next_to_the_logs()
    {
        var page = await fx.NewPageAsync();
        // Prometheus scrapes sawmill every second; wait until it has a sample of the ingestion counter.
        var promQuery = "sum by (job) (rate(loki_distributor_lines_received_total[1m])) or up";
        using (var client = fx.Sawmill.CreateClient())
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await client.GetStringAsync("ui/api/prometheus/api/v1/query?query=up")).Contains("\"sawmill\"", StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, "Prometheus never scraped sawmill");
                await Task.Delay(500);
            }
        }
        // Fresh error lines for the short range (the seed may be minutes old by now).
        await fx.PushRecentErrorsAsync(20);
        await page.GotoAsync(PageExtensions.Explore("{job=\"churn-api\"} |~ \"error|500\"", "&ds2=prometheus&q2=" + Uri.EscapeDataString(promQuery), from: "now-2m"));
        await page.WaitPaneAsync(0);
        await page.WaitPaneAsync(1);
        var legend = await page.Pane(1).Locator(".legend").InnerTextAsync();
        Assert.Contains("job=\"sawmill\"", legend);
        Assert.Contains("job=\"prometheus\"", legend);
        Assert.True(await page.Pane(0).Locator(".log-row").CountAsync() > 0);
        // The cursor is shared: hovering pane 2's graph draws the cursor on pane 1's histogram.
        var box = (await page.Pane(1).Locator("canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.6f, box.Y + 50);
        await page.ShotAsync("explore-split-prometheus.png");
        // PromQL errors come back through the proxy with Prometheus's message.
        var before = await page.NowAsync();
        await page.Pane(1).Locator("textarea.query-input").FillAsync("rate(up[1m]");
        await page.Pane(1).Locator("button.run").ClickAsync();
        await page.WaitPaneAsync(1, before);
        Assert.Contains("parse error", await page.Pane(1).Locator(".editor-error").InnerTextAsync());
    }

    [Fact]
    public async Task Data_links_open_the_logs_of_a_request_id_and_of_a_series_in_the_other_pane()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"churn-api\", service=\"worker\"}"));
        await page.WaitPaneAsync(0);
        await page.Pane(0).Locator(".log-row .line").First.ClickAsync();
        var link = page.Pane(0).Locator(".log-details tr[data-field=request_id] a.data-link");
        var rid = await link.InnerTextAsync();
        var before = await page.NowAsync();
        await link.ClickAsync();
        await page.WaitPaneAsync(1, before);
        Assert.Equal($"{{job=\"churn-api\", service=\"worker\"}} |= \"{rid}\"", await page.Pane(1).Locator("textarea.query-input").InputValueAsync());
        var lines = await page.Pane(1).Locator(".log-row .line").AllInnerTextsAsync();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Contains(rid, l));

        // From a metric series to its logs: the series' labels become the selector.
        before = await page.NowAsync();
        await page.Pane(1).Locator("textarea.query-input").FillAsync("sum by (service) (count_over_time({job=\"churn-api\"}[1m]))");
        await page.Pane(1).Locator("button.run").ClickAsync();
        await page.WaitPaneAsync(1, before);
        before = await page.NowAsync();
        await page.Pane(1).Locator(".legend span", new() { HasText = "service=\"api\"" }).Locator("a.data-link").ClickAsync();
        await page.WaitPaneAsync(0, before);
        Assert.Equal("{service=\"api\"}", await page.Pane(0).Locator("textarea.query-input").InputValueAsync());
        Assert.True(await page.Pane(0).Locator(".log-row").CountAsync() > 0);
    }

    [Fact]
    public async Task The_url_round_trips_the_whole_view()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"churn-api\"}"));
        await page.WaitPaneAsync(0);
        await page.Pane(0).Locator("select[name=dedup]").SelectOptionAsync("numbers");
        await page.Pane(0).Locator("button[name=wrap]").ClickAsync();
        await page.Pane(0).Locator("select[name=order]").SelectOptionAsync("asc");
        await page.Locator("select[name=refresh]").SelectOptionAsync("1m");
        await page.Locator("button.split-toggle").ClickAsync();
        await page.Pane(1).Locator("select[name=datasource]").SelectOptionAsync("prometheus");
        await page.Pane(1).Locator("textarea.query-input").FillAsync("up");
        await page.Pane(1).Locator("textarea.query-input").PressAsync("Control+Enter");
        await page.WaitPaneAsync(1);
        var url = page.Url;
        foreach (var part in new[] { "dedup=numbers", "wrap=1", "order=asc", "refresh=1m", "ds2=prometheus", "q2=up" })
            Assert.Contains(part, url);

        var other = await fx.NewPageAsync();
        await other.GotoAsync(url);
        await other.WaitPaneAsync(0);
        await other.WaitPaneAsync(1);
        Assert.Equal("{job=\"churn-api\"}", await other.Pane(0).Locator("textarea.query-input").InputValueAsync());
        Assert.Equal("up", await other.Pane(1).Locator("textarea.query-input").InputValueAsync());
        Assert.Equal("prometheus", await other.Pane(1).Locator("select[name=datasource]").InputValueAsync());
        Assert.Equal("numbers", await other.Pane(0).Locator("select[name=dedup]").InputValueAsync());
        Assert.Equal("asc", await other.Pane(0).Locator("select[name=order]").InputValueAsync());
        Assert.Equal("1m", await other.Locator("select[name=refresh]").InputValueAsync());
        Assert.Contains("on", await other.Pane(0).Locator("button[name=wrap]").GetAttributeAsync("class") ?? "");
        // Oldest first: the first row's time is not after the last row's.
        var times = await other.Pane(0).Locator(".log-row .ts").AllInnerTextsAsync();
        Assert.True(string.CompareOrdinal(times[0], times[^1]) <= 0);
        Assert.Equal(url, other.Url);
    }

    [Fact]
    public async Task Dedup_collapses_consecutive_lines_that_differ_only_in_numbers()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"bulk\"}", "&limit=100"));
        await page.WaitPaneAsync(0);
        Assert.StartsWith("100 lines", await page.Pane(0).Locator(".logs-opts .stats").InnerTextAsync());
        await page.Pane(0).Locator("select[name=dedup]").SelectOptionAsync("numbers");
        // "level=info bulk line N user=N took=Nms" all have one signature once digits are normalised.
        Assert.Equal(1, await page.Pane(0).Locator(".log-row").CountAsync());
        Assert.Equal("×100", await page.Pane(0).Locator(".log-row .dup").InnerTextAsync());
        await page.Pane(0).Locator("select[name=dedup]").SelectOptionAsync("exact");
        Assert.True(await page.Pane(0).Locator(".log-row").CountAsync() > 10);
    }

    [Fact]
    public async Task Show_context_lists_the_neighbouring_lines_of_the_same_stream()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"bulk\"} |= \"bulk line 2500 \""));
        await page.WaitPaneAsync(0);
        Assert.Equal(1, await page.Pane(0).Locator(".log-row").CountAsync());
        await page.Pane(0).Locator(".log-row .line").ClickAsync();
        await page.Pane(0).Locator("button.show-context").ClickAsync();
        var modal = page.Locator(".context-modal");
        await modal.Locator(".log-details").WaitForAsync();
        var lines = await modal.Locator(".log-row .line").AllInnerTextsAsync();
        Assert.Equal(21, lines.Count);
        Assert.Contains("bulk line 2490 ", lines[0]);
        Assert.Contains("bulk line 2500 ", lines[10]);
        Assert.Contains("bulk line 2510 ", lines[20]);
    }

    [Fact]
    public async Task Queries_run_are_kept_in_the_history_and_one_click_runs_them_again()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/explore?from=now-1h&to=now");
        var input = page.Pane(0).Locator("textarea.query-input");
        foreach (var q in new[] { "{job=\"bulk\"}", "{job=\"churn-api\"} |= \"req-0001\"" })
        {
            var t = await page.NowAsync();
            await input.FillAsync(q);
            await input.PressAsync("Control+Enter");
            await page.WaitPaneAsync(0, t);
        }
        await page.Pane(0).Locator("button.history-toggle").ClickAsync();
        var items = await page.Locator(".history div").AllInnerTextsAsync();
        Assert.Equal(["{job=\"churn-api\"} |= \"req-0001\"", "{job=\"bulk\"}"], items.Take(2));
        var before = await page.NowAsync();
        await page.Locator(".history div").Nth(1).ClickAsync();
        await page.WaitPaneAsync(0, before);
        Assert.Equal("{job=\"bulk\"}", await input.InputValueAsync());
        Assert.Contains("bulk line", await page.Pane(0).Locator(".log-row .line").First.InnerTextAsync());
    }

    [Fact]
    public async Task Completion_offers_pipeline_stages_after_a_pipe_and_functions_at_the_start()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/explore?from=now-1h&to=now");
        var input = page.Pane(0).Locator("textarea.query-input");
        await input.ClickAsync();
        await page.Keyboard.TypeAsync("count_o");
        await page.Locator(".completion div", new() { HasText = "count_over_time" }).WaitForAsync();
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("count_over_time(", await input.InputValueAsync());
        await input.FillAsync("");
        await input.PressSequentiallyAsync("{job=\"bulk\"} | log");
        await page.Locator(".completion div", new() { HasText = "logfmt" }).WaitForAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("{job=\"bulk\"} | logfmt", await input.InputValueAsync());
        // Bracket matching highlights the pair around the caret.
        await input.FillAsync("sum(rate({job=\"bulk\"}[1m]))");
        await input.PressAsync("End");
        Assert.Equal(2, await page.Pane(0).Locator(".editor pre .tk-bracket-match").CountAsync());
    }

    [Fact]
    public async Task An_absolute_range_from_the_picker_lands_in_the_url_and_auto_refresh_reruns_the_queries()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(PageExtensions.Explore("{job=\"bulk\"}", "&refresh=5s&limit=100"));
        await page.WaitPaneAsync(0);
        // Auto refresh: the pane runs again by itself.
        var first = await page.NowAsync();
        await page.WaitPaneAsync(0, first);

        await page.Locator("[data-testid=time-picker]").ClickAsync();
        var from = DateTimeOffset.FromUnixTimeMilliseconds(fx.SeedEndMs).ToLocalTime().AddMinutes(-5);
        // The browser runs in the machine's time zone, as this process does.
        await page.Locator(".tp-menu input[name=from]").FillAsync(from.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        await page.Locator(".tp-menu input[name=to]").FillAsync(from.AddMinutes(10).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
        var before = await page.NowAsync();
        await page.Locator(".tp-menu button.primary").ClickAsync();
        await page.WaitPaneAsync(0, before);
        var q = System.Web.HttpUtility.ParseQueryString(new Uri(page.Url).Query);
        var fromMs = long.Parse(q["from"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(600_000, long.Parse(q["to"]!, System.Globalization.CultureInfo.InvariantCulture) - fromMs);
        Assert.InRange(fromMs - (fx.SeedEndMs - 300_000), -1000, 1000);
        Assert.Contains("→", await page.Locator("[data-testid=time-picker]").InnerTextAsync());
    }
}
