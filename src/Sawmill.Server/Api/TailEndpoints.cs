using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Hosting;

namespace Sawmill.Server.Api;

/// <summary>
/// <c>GET /loki/api/v1/tail</c> (and <c>/api/prom/tail</c>): a websocket that first sends the entries since
/// <c>start</c> (default one hour ago, at most <c>limit</c>), then every new matching entry as it arrives, as Loki's
/// <c>{"streams":[…],"dropped_entries":null}</c> messages. New entries are found by re-running the query over the
/// time since the last one sent, every second, <c>delay_for</c> seconds behind now (0–5) so late writers can catch up.
/// </summary>
public static class TailEndpoints
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int MaxDelayFor = 5;

    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapGet("/loki/api/v1/tail", (HttpContext http) => TailAsync(http, ctx));
        app.MapGet("/api/prom/tail", (HttpContext http) => TailAsync(http, ctx));
    }

    private static async Task TailAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var query = p.Get("query");
        if (string.IsNullOrWhiteSpace(query))
            throw new ApiException(400, "query parameter is required");
        var limit = p.Limit(100);
        var delay = 0;
        if (p.Get("delay_for") is { Length: > 0 } d && (!int.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out delay) || delay < 0 || delay > MaxDelayFor))
            throw new ApiException(400, $"delay_for can't be greater than {MaxDelayFor}");
        var limits = QueryEndpoints.EngineLimits(ctx.Limits.For(tenant));
        var now = TimeNs.Now();
        var from = p.Time("start", now - TimeNs.PerHour);

        // Run the first query before upgrading, so a bad query is a plain 400 as from Loki.
        StreamsResult first;
        try
        {
            first = await RunAsync(ctx, tenant, query, from, now - delay * TimeNs.PerSecond, limit, limits, http.RequestAborted);
        }
        catch (LogQLException e)
        {
            throw new ApiException(400, e.Message);
        }
        if (!http.WebSockets.IsWebSocketRequest)
            throw new ApiException(400, "this endpoint is a websocket: connect with an Upgrade: websocket request");
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        var sent = new HashSet<(long, ulong, int)>();
        var lastTs = from;
        var ct = http.RequestAborted;
        try
        {
            lastTs = await SendAsync(socket, first, sent, lastTs, ct);
            // Nothing is read from the client except its close; watch for it so the loop ends promptly.
            var closed = WatchCloseAsync(socket, ct);
            while (!ct.IsCancellationRequested && socket.State == WebSocketState.Open && !closed.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(PollInterval, ct), closed);
                if (closed.IsCompleted || ct.IsCancellationRequested)
                    break;
                var to = TimeNs.Now() - delay * TimeNs.PerSecond;
                if (to <= lastTs)
                    continue;
                var next = await RunAsync(ctx, tenant, query, lastTs, to, ctx.Limits.For(tenant).MaxEntriesLimitPerQuery, limits, ct);
                lastTs = await SendAsync(socket, next, sent, lastTs, ct);
            }
            // Complete the close handshake whichever side started it.
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
        }
        catch (WebSocketException)
        {
        }
    }

    private static async Task WatchCloseAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var r = await socket.ReceiveAsync(buffer, ct);
                if (r.MessageType == WebSocketMessageType.Close)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    private static async Task<StreamsResult> RunAsync(ServerContext ctx, string tenant, string query, long from, long to, int limit, QueryLimits limits, CancellationToken ct)
    {
        if (to <= from)
            return new StreamsResult([]);
        var result = await ctx.Engine.ExecuteAsync(tenant, new QueryParams
        {
            Query = query,
            StartNs = from,
            EndNs = to,
            Limit = limit,
            Direction = Direction.Forward,
        }, limits, ct);
        return result as StreamsResult ?? throw new LogQLException("tailing requires a log query, not a metric query");
    }

    /// <summary>Sends the entries not sent before (entries at the boundary timestamp come back in the next poll) and returns the newest timestamp.</summary>
    private static async Task<long> SendAsync(WebSocket socket, StreamsResult result, HashSet<(long, ulong, int)> sent, long lastTs, CancellationToken ct)
    {
        var fresh = new List<(ResultStream Stream, List<ResultEntry> Entries)>();
        var newest = lastTs;
        var keep = new HashSet<(long, ulong, int)>();
        foreach (var s in result.Streams)
        {
            var entries = new List<ResultEntry>();
            foreach (var e in s.Entries)
            {
                var key = (e.TimestampNs, s.Labels.Hash, e.Line.GetHashCode(StringComparison.Ordinal));
                if (e.TimestampNs > newest)
                    newest = e.TimestampNs;
                if (sent.Contains(key))
                    continue;
                entries.Add(e);
                keep.Add(key);
            }
            if (entries.Count > 0)
                fresh.Add((s, entries));
        }
        foreach (var k in keep)
            sent.Add(k);
        // Only keys at the newest timestamp can come back; forget the rest so the set stays small.
        sent.RemoveWhere(k => k.Item1 < newest);
        if (fresh.Count == 0)
            return newest;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonResponses.Options))
        {
            w.WriteStartObject();
            w.WriteStartArray("streams");
            foreach (var (stream, entries) in fresh)
            {
                w.WriteStartObject();
                w.WritePropertyName("stream");
                JsonResponses.WriteLabels(w, stream.Labels);
                w.WriteStartArray("values");
                foreach (var e in entries)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(e.TimestampNs.ToString(CultureInfo.InvariantCulture));
                    w.WriteStringValue(e.Line);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNull("dropped_entries");
            w.WriteEndObject();
        }
        await socket.SendAsync(ms.ToArray(), WebSocketMessageType.Text, endOfMessage: true, ct);
        return newest;
    }
}
