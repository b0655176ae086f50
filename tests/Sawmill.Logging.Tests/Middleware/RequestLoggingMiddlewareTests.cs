using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Logging.Middleware;
using Sawmill.Logging.Tests.Support;

namespace Sawmill.Logging.Tests.Middleware;

public sealed class RequestLoggingMiddlewareTests
{
    private static Task<TestHost> StartAsync(Action<RequestLoggingOptions>? configure = null) =>
        TestHost.StartAsync(app =>
        {
            app.UseSawmillRequestLogging();
            app.MapPost("/predict", (ILoggerFactory f) =>
            {
                f.CreateLogger("churn_api").Info("Prediction successful", new() { ["confidence"] = 0.87 });
                return Results.Json(new { prediction = "no_churn" });
            });
            app.MapGet("/boom", string () => throw new InvalidOperationException("model not loaded"));
            app.MapGet("/metrics", () => "metrics");
            app.MapGet("/teapot", () => Results.StatusCode(418));
        }, b =>
        {
            if (configure != null)
                b.Services.Configure(configure);
        });

    private static List<JsonElement> ForRequest(CapturedLines output, string id) =>
        output.Events().FindAll(e => e.TryGetProperty("request_id", out var r) && r.GetString() == id);

    [Fact]
    public async Task The_callers_request_id_is_echoed_and_on_every_line_of_the_request()
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict");
        req.Headers.Add("X-Request-ID", "abc-123");
        using var resp = await host.Client.SendAsync(req);

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("abc-123", Assert.Single(resp.Headers.GetValues("X-Request-ID")));
        var lines = ForRequest(host.Output, "abc-123");
        Assert.Equal(["Request started", "Prediction successful", "Request completed"],
            lines.Select(e => e.GetProperty("message").GetString()!).ToArray());

        var started = lines[0];
        Assert.Equal("POST", started.GetProperty("method").GetString());
        Assert.Equal("/predict", started.GetProperty("path").GetString());
        Assert.Equal("127.0.0.1", started.GetProperty("client_host").GetString());
        var completed = lines[2];
        Assert.Equal("INFO", completed.GetProperty("level").GetString());
        Assert.Equal(200, completed.GetProperty("status_code").GetInt32());
        Assert.Equal(JsonValueKind.Number, completed.GetProperty("latency_ms").ValueKind);
        Assert.True(completed.GetProperty("latency_ms").GetDouble() >= 0);
        Assert.Equal(0.87, lines[1].GetProperty("confidence").GetDouble());
    }

    [Fact]
    public async Task Without_a_request_id_the_traceparent_trace_id_is_used()
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict");
        req.Headers.Add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        using var resp = await host.Client.SendAsync(req);
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", Assert.Single(resp.Headers.GetValues("X-Request-ID")));
        Assert.Equal(3, ForRequest(host.Output, "4bf92f3577b34da6a3ce929d0e0e4736").Count);
    }

    [Fact]
    public async Task Without_either_header_a_new_uuid_is_made_for_each_request()
    {
        await using var host = await StartAsync();
        using var r1 = await host.Client.PostAsync("/predict", null);
        using var r2 = await host.Client.PostAsync("/predict", null);
        var id1 = Assert.Single(r1.Headers.GetValues("X-Request-ID"));
        var id2 = Assert.Single(r2.Headers.GetValues("X-Request-ID"));
        Assert.True(Guid.TryParse(id1, out _));
        Assert.NotEqual(id1, id2);
        Assert.Equal(3, ForRequest(host.Output, id1).Count);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("quote\"inside")]
    public async Task An_unusable_request_id_is_replaced(string given)
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict");
        req.Headers.TryAddWithoutValidation("X-Request-ID", given);
        using var resp = await host.Client.SendAsync(req);
        var id = Assert.Single(resp.Headers.GetValues("X-Request-ID"));
        Assert.NotEqual(given, id);
        Assert.True(Guid.TryParse(id, out _));
    }

    [Fact]
    public async Task A_too_long_request_id_is_replaced()
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict");
        req.Headers.Add("X-Request-ID", new string('a', 129));
        using var resp = await host.Client.SendAsync(req);
        Assert.True(Guid.TryParse(Assert.Single(resp.Headers.GetValues("X-Request-ID")), out _));
    }

    [Fact]
    public async Task An_exception_logs_Request_failed_with_the_error_type_and_is_rethrown()
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Get, "/boom");
        req.Headers.Add("X-Request-ID", "boom-1");
        using var resp = await host.Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.InternalServerError, resp.StatusCode);
        var lines = ForRequest(host.Output, "boom-1");
        var failed = Assert.Single(lines, e => e.GetProperty("message").GetString() == "Request failed");
        Assert.Equal("ERROR", failed.GetProperty("level").GetString());
        Assert.Equal("InvalidOperationException", failed.GetProperty("error_type").GetString());
        Assert.Equal("GET", failed.GetProperty("method").GetString());
        Assert.Equal("/boom", failed.GetProperty("path").GetString());
        Assert.Contains("model not loaded", failed.GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(lines, e => e.GetProperty("message").GetString() == "Request completed");
    }

    [Fact]
    public async Task Non_success_status_codes_are_reported_in_Request_completed()
    {
        await using var host = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Get, "/teapot");
        req.Headers.Add("X-Request-ID", "tea");
        using var resp = await host.Client.SendAsync(req);
        var completed = Assert.Single(ForRequest(host.Output, "tea"), e => e.GetProperty("message").GetString() == "Request completed");
        Assert.Equal(418, completed.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Excluded_paths_get_an_id_but_no_start_and_completion_lines()
    {
        await using var host = await StartAsync(o => o.ExcludedPaths.Add("/metrics"));
        using var req = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        req.Headers.Add("X-Request-ID", "scrape");
        using var resp = await host.Client.SendAsync(req);
        Assert.Equal("scrape", Assert.Single(resp.Headers.GetValues("X-Request-ID")));
        Assert.Empty(ForRequest(host.Output, "scrape"));
    }

    [Fact]
    public async Task Header_and_scope_names_are_configurable()
    {
        await using var host = await StartAsync(o =>
        {
            o.HeaderName = "X-Correlation-ID";
            o.ScopeKey = "correlation_id";
            o.LogRequestStarted = false;
        });
        using var req = new HttpRequestMessage(HttpMethod.Post, "/predict");
        req.Headers.Add("X-Correlation-ID", "corr-9");
        using var resp = await host.Client.SendAsync(req);
        Assert.Equal("corr-9", Assert.Single(resp.Headers.GetValues("X-Correlation-ID")));
        var lines = host.Output.Events().FindAll(e => e.TryGetProperty("correlation_id", out var c) && c.GetString() == "corr-9");
        Assert.Equal(["Prediction successful", "Request completed"], lines.Select(e => e.GetProperty("message").GetString()!).ToArray());
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false)]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false)]
    [InlineData("garbage", false)]
    [InlineData("", false)]
    public void Traceparent_is_validated_as_W3C_trace_context(string header, bool valid)
    {
        Assert.Equal(valid, RequestLoggingMiddleware.TryGetTraceId(header, out var id));
        if (valid)
            Assert.Equal(32, id.Length);
    }
}
