using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Cluster.Ring;
using Sawmill.Server.Api;

namespace Sawmill.Server.Cluster;

/// <summary>
/// Loki's ring status pages on cluster nodes: <c>GET /ring</c> (the ingester ring), <c>/querier/ring</c> and
/// <c>/backend/ring</c> (Sawmill's read and backend rings). An HTML table, or JSON with <c>Accept: application/json</c>
/// (<c>{"shards":[{"id","state","address","timestamp","registered_timestamp","tokens"}…],"now":…}</c>, as dskit's page).
/// </summary>
public static class RingEndpoints
{
    public static void Map(WebApplication app, ClusterNode node)
    {
        app.MapGet("/ring", (HttpContext http) => WriteAsync(http, node.Ingesters));
        if (node.Readers is { } readers)
            app.MapGet("/querier/ring", (HttpContext http) => WriteAsync(http, readers));
        if (node.Backends is { } backends)
            app.MapGet("/backend/ring", (HttpContext http) => WriteAsync(http, backends));
    }

    private static async Task WriteAsync(HttpContext http, RingClient client)
    {
        await client.RefreshAsync(http.RequestAborted);
        var ring = client.Current;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string State(InstanceDesc i) => !i.IsHealthy(Operation.Read, ring.HeartbeatTimeout, now) ? "UNHEALTHY" : i.State.ToString().ToUpperInvariant();
        if (http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await JsonResponses.WriteAsync(http.Response, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("shards");
                foreach (var i in ring.Instances)
                {
                    w.WriteStartObject();
                    w.WriteString("id", i.Id);
                    w.WriteString("state", State(i));
                    w.WriteString("address", i.Addr);
                    w.WriteString("timestamp", DateTimeOffset.FromUnixTimeMilliseconds(i.HeartbeatMs).ToString("O", CultureInfo.InvariantCulture));
                    w.WriteString("registered_timestamp", DateTimeOffset.FromUnixTimeMilliseconds(i.RegisteredMs).ToString("O", CultureInfo.InvariantCulture));
                    w.WriteNumber("tokens", i.Tokens.Length);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("now", DateTimeOffset.FromUnixTimeMilliseconds(now).ToString("O", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }, http.RequestAborted);
            return;
        }
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html><head><title>").Append(client.Name).Append(" ring</title></head><body><h1>").Append(client.Name)
            .Append(" ring</h1><table border=\"1\"><tr><th>Instance ID</th><th>State</th><th>Address</th><th>Last heartbeat</th><th>Tokens</th></tr>");
        foreach (var i in ring.Instances)
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(i.Id)).Append("</td><td>").Append(State(i)).Append("</td><td>").Append(WebUtility.HtmlEncode(i.Addr))
                .Append("</td><td>").Append((now - i.HeartbeatMs) / 1000.0).Append("s ago</td><td>").Append(i.Tokens.Length).Append("</td></tr>");
        sb.Append("</table></body></html>");
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(sb.ToString(), http.RequestAborted);
    }
}
