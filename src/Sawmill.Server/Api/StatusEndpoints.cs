using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Prometheus;
using Sawmill.Server.Config;
using Sawmill.Server.Hosting;
using Sawmill.Server.Telemetry;

namespace Sawmill.Server.Api;

/// <summary><c>/ready</c>, <c>/metrics</c>, <c>/config</c> and <c>/loki/api/v1/status/buildinfo</c>.</summary>
public static class StatusEndpoints
{
    public static string Version { get; set; } = "0.0.0";
    public static string Revision { get; set; } = "unknown";

    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapGet("/ready", () => ctx.Ready ? Results.Text("ready\n") : Results.Text("Ingester not ready: waiting to join the ring\n", statusCode: 503));
        app.MapGet("/loki/api/v1/status/buildinfo", (HttpContext http) => JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartObject();
            w.WriteString("version", Version);
            w.WriteString("revision", Revision);
            w.WriteString("branch", "main");
            w.WriteString("buildUser", "sawmill");
            w.WriteString("buildDate", "");
            w.WriteString("goVersion", "dotnet " + RuntimeInformation.FrameworkDescription);
            w.WriteEndObject();
        }, http.RequestAborted));
        app.MapGet("/config", (HttpContext http) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync(ConfigPrinter.ToYaml(ctx.Config), http.RequestAborted);
        });
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            if (ctx.Store != null)
            {
                ctx.Store.UpdateHeadMetrics();
                StorageMetricsExporter.Update(ctx.Store.Metrics);
            }
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
        });
    }
}
