using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Hosting;
using Sawmill.LogQL.Syntax;

namespace Sawmill.Server.Api;

/// <summary>
/// Loki's log deletion API: <c>POST /loki/api/v1/delete</c> (<c>query</c>, <c>start</c>, <c>end</c>) records a request
/// and hides the matching lines from queries at once; <c>GET</c> lists a tenant's requests with their status;
/// <c>DELETE</c> (<c>request_id</c>) cancels one inside <c>compactor.delete_request_cancel_period</c>.
/// </summary>
public static class DeleteEndpoints
{
    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapPost("/loki/api/v1/delete", (HttpContext http) => CreateAsync(http, ctx));
        app.MapPut("/loki/api/v1/delete", (HttpContext http) => CreateAsync(http, ctx));
        app.MapGet("/loki/api/v1/delete", (HttpContext http) => ListAsync(http, ctx));
        app.MapDelete("/loki/api/v1/delete", (HttpContext http) => CancelAsync(http, ctx));
    }

    private static async Task CreateAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var query = p.Get("query");
        if (string.IsNullOrWhiteSpace(query))
            throw new ApiException(400, "query not set");
        if (p.Get("start") is not { Length: > 0 } startText)
            throw new ApiException(400, "start time not set");
        var start = ParseDeleteTime(startText, "start");
        var end = p.Get("end") is { Length: > 0 } endText ? ParseDeleteTime(endText, "end") : TimeNs.Now();
        if (end < start)
            throw new ApiException(400, "start time can't be greater than end time");
        try
        {
            await ctx.Deletes.AddAsync(tenant, query, start, end, http.RequestAborted);
        }
        catch (ParseException e)
        {
            throw new ApiException(400, "invalid query expression: " + e.Message);
        }
        http.Response.StatusCode = 204;
    }

    /// <summary>The delete API takes Unix seconds (as Loki documents) or RFC3339.</summary>
    private static long ParseDeleteTime(string text, string name)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && text.Length <= 12)
            return seconds * TimeNs.PerSecond;
        return RequestParams.ParseTime(text, name);
    }

    private static async Task ListAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var requests = ctx.Deletes.List(tenant);
        await JsonResponses.WriteAsync(http.Response, w =>
        {
            w.WriteStartArray();
            foreach (var r in requests)
            {
                w.WriteStartObject();
                w.WriteString("request_id", r.RequestId);
                w.WriteNumber("start_time", r.StartNs / (double)TimeNs.PerSecond);
                w.WriteNumber("end_time", r.EndNs / (double)TimeNs.PerSecond);
                w.WriteString("query", r.Query);
                w.WriteString("status", r.Status);
                w.WriteNumber("created_at", r.CreatedAtNs / (double)TimeNs.PerSecond);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }, http.RequestAborted);
    }

    private static async Task CancelAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var id = http.Request.Query["request_id"].ToString();
        if (string.IsNullOrEmpty(id))
            throw new ApiException(400, "request_id not set");
        var error = await ctx.Deletes.CancelAsync(tenant, id, http.RequestAborted);
        if (error != null)
            throw new ApiException(error.StartsWith("could not find", StringComparison.Ordinal) ? 404 : 400, error);
        http.Response.StatusCode = 204;
    }
}
