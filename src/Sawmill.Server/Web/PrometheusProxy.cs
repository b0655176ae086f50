using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Sawmill.Server.Web;

/// <summary>
/// Forwards the split view's PromQL calls to the configured Prometheus. Only <c>api/v1/…</c> is forwarded (the query,
/// label and metadata API), so the proxy cannot reach Prometheus's admin or lifecycle endpoints. Thread-safe.
/// </summary>
internal sealed class PrometheusProxy(Uri? baseUrl)
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task ForwardAsync(HttpContext http, string path)
    {
        if (baseUrl == null)
        {
            await TextAsync(http, StatusCodes.Status404NotFound, "no Prometheus is configured: set ui.prometheus_url in the config file (or SAWMILL_UI_PROMETHEUS_URL)");
            return;
        }
        if (!path.StartsWith("api/v1/", StringComparison.Ordinal) || path.Contains("..", StringComparison.Ordinal) || path.StartsWith("api/v1/admin", StringComparison.Ordinal))
        {
            await TextAsync(http, StatusCodes.Status404NotFound, "only Prometheus's api/v1 query endpoints are proxied");
            return;
        }
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), new Uri(baseUrl, path + http.Request.QueryString.Value));
        if (HttpMethods.IsPost(http.Request.Method))
        {
            request.Content = new StreamContent(http.Request.Body);
            if (http.Request.ContentType is { } ct)
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ct);
        }
        HttpResponseMessage response;
        try
        {
            response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            await TextAsync(http, StatusCodes.Status502BadGateway, $"Prometheus at {baseUrl} is unreachable: {e.Message}");
            return;
        }
        catch (TaskCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            await TextAsync(http, StatusCodes.Status504GatewayTimeout, $"Prometheus at {baseUrl} did not answer in time");
            return;
        }
        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } type)
                http.Response.ContentType = type.ToString();
            http.Response.Headers.CacheControl = "no-store";
            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }

    private static Task TextAsync(HttpContext http, int status, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text + "\n", http.RequestAborted);
    }
}
