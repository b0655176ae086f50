using System.Net;
using System.Net.Http.Headers;

namespace Sawmill.Web.Tests;

/// <summary>How the server serves the UI: embedded files, SPA fallback, cache validation, API 404s and the proxy.</summary>
[Collection(WebCollection.Name)]
public sealed class ServingTests(WebFixture fx)
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/explore", "text/html")]
    [InlineData("/alerts", "text/html")]
    [InlineData("/js/main.js", "text/javascript")]
    [InlineData("/app.css", "text/css")]
    public async Task Ui_paths_are_served_with_their_content_type_and_an_etag(string path, string type)
    {
        using var client = fx.Sawmill.CreateClient();
        using var r = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.StartsWith(type, r.Content.Headers.ContentType!.ToString());
        Assert.NotNull(r.Headers.ETag);
        Assert.True(r.Headers.CacheControl!.NoCache);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(r.Headers.ETag);
        using var r2 = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, r2.StatusCode);
    }

    [Theory]
    [InlineData("/loki/api/v1/nope")]
    [InlineData("/js/missing.js")]
    [InlineData("/ui/api/nope")]
    public async Task Unknown_api_paths_and_files_are_404_not_the_index_page(string path)
    {
        using var client = fx.Sawmill.CreateClient();
        using var r = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.DoesNotContain("<html", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prometheus_proxy_forwards_queries_and_refuses_other_paths()
    {
        using var client = fx.Sawmill.CreateClient();
        var body = await client.GetStringAsync("/ui/api/prometheus/api/v1/query?query=vector(42)");
        Assert.Contains("\"42\"", body);
        using var form = new FormUrlEncodedContent([new("query", "vector(7)")]);
        using var post = await client.PostAsync("/ui/api/prometheus/api/v1/query", form);
        Assert.Contains("\"7\"", await post.Content.ReadAsStringAsync());
        using var bad = await client.GetAsync("/ui/api/prometheus/api/v1/query?query=rate(");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var admin = await client.PostAsync("/ui/api/prometheus/api/v1/admin/tsdb/snapshot", null);
        Assert.Equal(HttpStatusCode.NotFound, admin.StatusCode);
        using var other = await client.GetAsync("/ui/api/prometheus/-/quit");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        var settings = await client.GetStringAsync("/ui/api/settings");
        Assert.Contains("\"prometheus\":true", settings);
    }
}
