using Microsoft.Playwright;

namespace Sawmill.Web.Tests;

internal static class PageExtensions
{
    /// <summary>The explore URL for a log query over the last hour.</summary>
    public static string Explore(string query, string extra = "", string from = "now-1h") =>
        "/explore?q=" + Uri.EscapeDataString(query) + "&from=" + from + "&to=now" + extra;

    /// <summary>Waits until pane <paramref name="pane"/> finished a run newer than <paramref name="after"/> (ms since epoch).</summary>
    public static async Task WaitPaneAsync(this IPage page, int pane, long after = 0)
    {
        await page.WaitForFunctionAsync(
            "([p, after]) => { const el = document.querySelector(`[data-pane=\"${p}\"]`); return el && el.dataset.done && +el.dataset.done > after; }",
            new object[] { pane, after });
    }

    public static Task<long> NowAsync(this IPage page) => page.EvaluateAsync<long>("() => Date.now()");

    public static ILocator Pane(this IPage page, int pane) => page.Locator($"[data-pane=\"{pane}\"]");

    /// <summary>Set to 1 to (re)write the README's screenshots in docs/images; otherwise tests leave the tree clean.</summary>
    public const string ScreenshotsVariable = "SAWMILL_SCREENSHOTS";

    public static async Task ShotAsync(this IPage page, string name)
    {
        var bytes = await page.ScreenshotAsync();
        Assert.True(bytes.Length > 1000, $"screenshot {name} is empty");
        if (Environment.GetEnvironmentVariable(ScreenshotsVariable) == "1")
            await File.WriteAllBytesAsync(Path.Combine(WebFixture.ImagesDir, name), bytes);
    }
}
