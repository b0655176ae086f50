using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Remote;
using Sawmill.Core;
using Sawmill.Server.Api;
using Sawmill.Server.Hosting;
using Sawmill.Storage.Wal;

namespace Sawmill.Server.Cluster;

/// <summary>
/// A write node's endpoints for the other nodes — <c>/ingester/push</c> (a distributor's replica write),
/// <c>/ingester/select</c> and <c>/ingester/summaries</c> (a querier's reads), <c>/ingester/tail</c> (a querier's live
/// feed), <c>/ingester/tenants</c> — and Loki's operator endpoints <c>POST /flush</c> (upload everything held to the
/// bucket) and <c>POST /ingester/shutdown</c> (stop taking writes, flush, leave the ring, and by default exit).
/// </summary>
public static class IngesterEndpoints
{
    /// <summary>
    /// Loki's <c>POST /flush</c>: everything in memory is flushed into blocks and, on a write node, uploaded to the bucket
    /// before the 204. Served by a single process too (its ingester flushes to the local disk).
    /// </summary>
    public static void MapFlush(WebApplication app, Storage.LogStore store) =>
        app.MapPost("/flush", async (HttpContext http) =>
        {
            await store.FlushAndShipAsync(http.RequestAborted);
            http.Response.StatusCode = 204;
        });

    public static void Map(WebApplication app, ServerContext ctx, ClusterNode node)
    {
        var store = ctx.Store!;
        var state = new ShutdownState();
        app.MapPost("/ingester/push", async (HttpContext http) =>
        {
            if (state.Stopping)
                throw new ApiException(503, "Ingester is shutting down");
            var tenant = Tenant(http);
            var body = await ReadAllAsync(http.Request, http.RequestAborted);
            List<PushStream> streams;
            try
            {
                var (recordTenant, decoded) = PushWire.Decode(body);
                if (recordTenant != tenant)
                    throw new ApiException(400, "push record tenant does not match X-Scope-OrgID");
                streams = decoded;
            }
            catch (InvalidDataException e)
            {
                throw new ApiException(400, "invalid push record: " + e.Message);
            }
            var result = await store.PushAsync(tenant, streams, http.RequestAborted);
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(PushResultWire.Write(result), http.RequestAborted);
        });
        app.MapPost("/ingester/select", async (HttpContext http) =>
        {
            var tenant = Tenant(http);
            var q = await ParseAsync(http);
            http.Response.ContentType = "application/octet-stream";
            await store.ExportSelectAsync(new SelectRequest
            {
                Tenant = tenant,
                Matchers = q.Matchers ?? [],
                StartNs = q.StartNs,
                EndNs = q.EndNs,
                Direction = q.Direction,
                Fields = q.Fields,
            }, http.Response.Body, http.RequestAborted, Omit(q));
        });
        app.MapPost("/ingester/summaries", async (HttpContext http) =>
        {
            var tenant = Tenant(http);
            var q = await ParseAsync(http);
            var summaries = store.Summaries(tenant, q.Matchers, q.StartNs, q.EndNs, http.RequestAborted, Omit(q));
            http.Response.ContentType = "application/octet-stream";
            await http.Response.Body.WriteAsync(Storage.Query.SummaryWire.Write(summaries), http.RequestAborted);
        });
        app.MapGet("/ingester/tenants", (HttpContext http) =>
            JsonResponses.WriteAsync(http.Response, w =>
            {
                w.WriteStartArray();
                foreach (var t in store.Tenants())
                    w.WriteStringValue(t);
                w.WriteEndArray();
            }, http.RequestAborted));
        app.MapGet("/ingester/tail", (HttpContext http) => TailFeedAsync(http, ctx));
        MapFlush(app, store);
        app.MapPost("/ingester/shutdown", async (HttpContext http) =>
        {
            var flush = !string.Equals(http.Request.Query["flush"], "false", StringComparison.OrdinalIgnoreCase);
            var terminate = !string.Equals(http.Request.Query["terminate"], "false", StringComparison.OrdinalIgnoreCase);
            var logger = ctx.LoggerFactory.CreateLogger("ingester");
            state.Stopping = true;
            // Distributors stop choosing this node first; then what it holds goes to the bucket and it leaves the ring.
            if (node.Lifecycler != null)
                await node.Lifecycler.SetLeavingAsync(http.RequestAborted);
            if (flush)
                await store.FlushAndShipAsync(http.RequestAborted);
            await node.LeaveAsync(http.RequestAborted);
            logger.LogInformation("ingester shut down flush={Flush} terminate={Terminate}", flush, terminate);
            http.Response.StatusCode = 204;
            // After the answer is sent: the host's lifetime, not the request's services (gone once the request ends).
            if (terminate)
                http.Response.OnCompleted(() =>
                {
                    app.Lifetime.StopApplication();
                    return Task.CompletedTask;
                });
        });
    }

    private sealed class ShutdownState
    {
        public volatile bool Stopping;
    }

    private static IReadOnlySet<string> Omit(RemoteRequest q) => q.OmitBlocks as IReadOnlySet<string> ?? q.OmitBlocks.ToHashSet(StringComparer.Ordinal);

    private static string Tenant(HttpContext http)
    {
        var tenant = http.Request.Headers[IngesterClient.TenantHeader].ToString();
        if (Core.Tenant.Validate(tenant) is { } problem)
            throw new ApiException(400, problem);
        return tenant;
    }

    private static async Task<RemoteRequest> ParseAsync(HttpContext http)
    {
        var body = await ReadAllAsync(http.Request, http.RequestAborted);
        try
        {
            return RemoteRequest.Parse(body);
        }
        catch (FormatException e)
        {
            throw new ApiException(400, e.Message);
        }
    }

    private static async Task<byte[]> ReadAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength : 4096);
        await request.Body.CopyToAsync(ms, cancellationToken);
        return ms.ToArray();
    }

    /// <summary>Streams every push this node's distributor acknowledges for the tenant, as push records, until the querier hangs up.</summary>
    private static async Task TailFeedAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = Tenant(http);
        using var sub = ctx.Tails.Subscribe(tenant, TailEndpoints.MaxPendingEntries);
        http.Response.ContentType = "application/octet-stream";
        await http.Response.StartAsync(http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
        var ct = http.RequestAborted;
        while (!ct.IsCancellationRequested)
        {
            await sub.WaitAsync(TimeSpan.FromSeconds(5), ct);
            if (ct.IsCancellationRequested)
                break;
            var (ready, _) = sub.Take(TimeSpan.Zero);
            if (ready.Count == 0)
                continue;
            var streams = ready.Select(b => new PushStream(b.Labels, b.Entries.GetRange(b.Offset, b.Count))).ToList();
            var (buffer, length) = PushWire.EncodePooled(tenant, streams);
            try
            {
                await http.Response.Body.WriteAsync(buffer.AsMemory(0, length), ct);
                await http.Response.Body.FlushAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                break;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
