using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sawmill.Server.Api;
using Sawmill.Server.Hosting;

namespace Sawmill.Server.Web;

/// <summary>
/// Serves the web UI at <c>/</c>: the embedded files by path, <c>index.html</c> for the UI's own routes (SPA fallback,
/// so a shared <c>/explore?…</c> link loads), the UI settings, and a Prometheus proxy for the split view
/// (<c>/ui/api/prometheus/api/v1/…</c> forwarded to <c>ui.prometheus_url</c>). The UI itself calls only the public
/// Loki API; the proxy exists because browsers cannot query another origin's Prometheus without CORS.
/// </summary>
internal static class WebUiEndpoints
{
    /// <summary>Paths that belong to APIs: an unknown path under them is a 404, never the UI's index page.</summary>
    private static readonly string[] ApiPrefixes = ["/loki/", "/api/", "/prometheus/", "/ui/api/", "/metrics", "/config", "/ready", "/distributor/", "/ingester/", "/compactor/"];

    public static void Map(WebApplication app, ServerContext ctx)
    {
        var settings = WebUiSettings.From(ctx.Config);
        var assets = WebUiAssets.Shared;
        var proxy = new PrometheusProxy(settings.PrometheusUrl);

        app.MapGet("/ui/api/settings", (HttpContext http) => JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("authEnabled", ctx.Config.AuthEnabled);
            w.WriteBoolean("prometheus", settings.PrometheusUrl != null);
            w.WriteString("version", StatusEndpoints.Version);
            w.WriteEndObject();
        }, http.RequestAborted));
        app.MapMethods("/ui/api/prometheus/{**path}", ["GET", "POST"], (HttpContext http, string? path) => proxy.ForwardAsync(http, path ?? ""));
        // The default fallback pattern skips paths that look like files; the UI needs those too.
        app.MapFallback("/{**path}", (HttpContext http) => ServeAsync(http, assets));
    }

    private static Task ServeAsync(HttpContext http, WebUiAssets assets)
    {
        var path = http.Request.Path.Value ?? "/";
        var isRead = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (!isRead || Array.Exists(ApiPrefixes, p => path.StartsWith(p, StringComparison.Ordinal)))
            return NotFound(http);
        var asset = assets.Find(path.TrimStart('/'));
        if (asset == null)
        {
            // Any other extension-less path is one of the UI's routes (explore, alerts, status): the page routes itself.
            if (Path.HasExtension(path))
                return NotFound(http);
            asset = assets.Find("index.html");
            if (asset == null)
                return NotFound(http);
        }
        http.Response.Headers.ETag = asset.ETag;
        // No hashed file names: always revalidate (a 304 costs one round trip, a stale module would break the page).
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : http.Response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
    }

    private static Task NotFound(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync("404 page not found\n", http.RequestAborted);
    }
}
