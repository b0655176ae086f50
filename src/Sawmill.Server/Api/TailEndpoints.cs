using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Hosting;
using Sawmill.Server.Tailing;
using Sawmill.LogQL;

namespace Sawmill.Server.Api;

/// <summary>
/// <c>GET /loki/api/v1/tail</c>: a websocket that first sends the last <c>limit</c> matching entries since <c>start</c>
/// (default one hour ago), then every newly acknowledged entry that matches <c>query</c>, as Loki's messages
/// <c>{"streams":[{"stream":{…},"values":[["ns","line"],…]}],"dropped_entries":[{"timestamp":"ns","labels":{…}}]}</c>
/// (empty members omitted). <c>delay_for</c> (0–5 s) holds entries back that long so late ones are sent in order.
/// Parameter and query errors are answered before the upgrade with HTTP 400 and Loki's texts. Each new batch is
/// filtered by running the query through the engine over a <see cref="SnapshotReader"/> of just that batch, so every
/// LogQL log stage works the same as in <c>query_range</c>.
/// </summary>
public static class TailEndpoints
{
    public const int MaxDelayForSeconds = 5;

    /// <summary>A subscriber more than this many entries behind starts losing entries (reported as dropped_entries).</summary>
    public const int MaxPendingEntries = 100_000;

    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapGet("/loki/api/v1/tail", (HttpContext http) => TailAsync(http, ctx));
        app.MapGet("/api/prom/tail", (HttpContext http) => TailAsync(http, ctx));
    }

    private static async Task TailAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = ResolveTenant(http, ctx.Config.AuthEnabled);
        var limits = ctx.Limits.For(tenant);
        var p = await RequestParams.ReadAsync(http.Request, http.RequestAborted);
        var query = p.Get("query");
        if (string.IsNullOrWhiteSpace(query))
            throw new ApiException(400, "query parameter is required");
        var limit = p.Limit(100);
        if (limits.MaxEntriesLimitPerQuery > 0 && limit > limits.MaxEntriesLimitPerQuery)
            throw new ApiException(400, $"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {limits.MaxEntriesLimitPerQuery})");
        var now = TimeNs.Now();
        var start = p.Time("start", now - TimeNs.PerHour);
        var delayFor = 0;
        if (p.Get("delay_for") is { Length: > 0 } d && !int.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out delayFor))
            throw new ApiException(400, $"invalid delay_for parameter: cannot parse \"{d}\" to an integer");
        if (delayFor > MaxDelayForSeconds)
            throw new ApiException(400, $"delay_for can't be greater than {MaxDelayForSeconds}");
        if (delayFor < 0)
            throw new ApiException(400, "delay_for must not be negative");
        // Subscribe before the history query so that nothing acknowledged in between is missed; entries seen in both
        // are sent once (see `sent` below).
        using var sub = ctx.Tails.Subscribe(tenant, MaxPendingEntries);
        if (ctx.TailFeedReady != null)
            await ctx.TailFeedReady(tenant, http.RequestAborted);
        var engineLimits = QueryEndpoints.EngineLimits(limits);
        QueryResult history;
        try
        {
            history = await ctx.Engine.ExecuteAsync(tenant, new QueryParams
            {
                Query = query,
                StartNs = start,
                EndNs = Math.Max(now, start) + 1,
                Direction = Direction.Backward,
                Limit = limit,
            }, engineLimits, http.RequestAborted);
        }
        catch (LogQLException e)
        {
            throw new ApiException(400, e.Message);
        }
        if (history is not StreamsResult historyStreams)
            throw new ApiException(400, "tail supports log queries only; a metric query cannot be tailed");
        if (!http.WebSockets.IsWebSocketRequest)
            throw new ApiException(400, "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header");

        var logger = ctx.LoggerFactory.CreateLogger("tail");
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var receive = ReceiveUntilClosedAsync(socket, closed);
        Telemetry.ServerMetrics.ActiveTails.Inc();
        var sent = new HashSet<(Labels, long, string)>();
        try
        {
            var first = Ascending(historyStreams);
            foreach (var s in first)
                foreach (var e in s.Entries)
                    sent.Add((s.Labels, e.TimestampNs, e.Line));
            if (first.Count > 0)
                await SendAsync(socket, first, [], closed.Token);

            var delay = TimeSpan.FromSeconds(delayFor);
            var tick = delayFor > 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1);
            while (!closed.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                await sub.WaitAsync(tick, closed.Token);
                if (closed.IsCancellationRequested)
                    break;
                var (ready, dropped) = sub.Take(delay);
                List<ResultStream> streams = [];
                if (ready.Count > 0)
                    streams = await FilterAsync(ctx, tenant, query, ready, engineLimits, sent, closed.Token);
                if (streams.Count > 0 || dropped.Count > 0)
                    await SendAsync(socket, streams, dropped, closed.Token);
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            // The client closed the socket or went away.
        }
        catch (WebSocketException e)
        {
            logger.LogDebug("tail websocket ended err={Err}", e.Message);
        }
        catch (LogQLException e)
        {
            await CloseAsync(socket, WebSocketCloseStatus.InternalServerError, e.Message);
        }
        finally
        {
            await closed.CancelAsync();
            await receive;
            Telemetry.ServerMetrics.ActiveTails.Dec();
        }
        await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "");
    }

    /// <summary>The query parameter a browser's websocket names its tenant in (it cannot set headers).</summary>
    public const string OrgIdParameter = "orgId";

    /// <summary>
    /// The tail's tenant: as every endpoint's (<see cref="TenantResolver"/>), except that with auth enabled and no
    /// <c>X-Scope-OrgID</c> header a single tenant may come from the <c>orgId</c> query parameter, validated like the
    /// header, because a browser's <c>WebSocket</c> cannot send headers. The header wins when both are present.
    /// </summary>
    internal static string ResolveTenant(HttpContext http, bool authEnabled)
    {
        if (authEnabled && string.IsNullOrWhiteSpace(http.Request.Headers[TenantResolver.Header].ToString())
            && http.Request.Query[OrgIdParameter].ToString() is { Length: > 0 } orgId)
        {
            if (orgId.Contains('|', StringComparison.Ordinal))
                throw new ApiException(400, "multiple org IDs present");
            if (Tenant.Validate(orgId) is { } problem)
                throw new ApiException(400, problem);
            return orgId;
        }
        return TenantResolver.Single(http, authEnabled);
    }

    private static async Task<List<ResultStream>> FilterAsync(ServerContext ctx, string tenant, string query,
        List<TailSubscription.Batch> ready, QueryLimits limits, HashSet<(Labels, long, string)> sent, CancellationToken ct)
    {
        var snapshot = new SnapshotReader(tenant, ready);
        var (min, max) = snapshot.Bounds;
        if (max < min)
            return [];
        var engine = ctx.EngineFactory(snapshot, ctx.LoggerFactory);
        var count = snapshot.EntryCount;
        var result = await engine.ExecuteAsync(tenant, new QueryParams
        {
            Query = query,
            StartNs = min,
            EndNs = max + 1,
            Direction = Direction.Forward,
            Limit = count,
        }, limits with { MaxEntriesLimitPerQuery = count, MaxQueryLength = TimeSpan.Zero, MaxQueryLookback = TimeSpan.Zero }, ct);
        if (result is not StreamsResult sr)
            return [];
        var streams = Ascending(sr);
        if (sent.Count == 0)
            return streams;
        // Drop what the history message already carried (pushed between subscribing and the history query).
        var kept = new List<ResultStream>(streams.Count);
        foreach (var s in streams)
        {
            var entries = s.Entries.FindAll(e => !sent.Remove((s.Labels, e.TimestampNs, e.Line)));
            if (entries.Count > 0)
                kept.Add(new ResultStream(s.Labels, entries));
        }
        return kept;
    }

    /// <summary>Entries oldest first within each stream, streams ordered by their first entry, as a tail prints them.</summary>
    private static List<ResultStream> Ascending(StreamsResult result)
    {
        var list = new List<ResultStream>(result.Streams.Count);
        foreach (var s in result.Streams)
        {
            if (s.Entries.Count == 0)
                continue;
            var entries = new List<ResultEntry>(s.Entries);
            entries.Sort(static (a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
            list.Add(new ResultStream(s.Labels, entries));
        }
        list.Sort(static (a, b) => a.Entries[0].TimestampNs.CompareTo(b.Entries[0].TimestampNs));
        return list;
    }

    /// <summary>Writes one Loki tail message; empty members are omitted as Loki's <c>omitempty</c> does.</summary>
    internal static byte[] Message(IReadOnlyList<ResultStream> streams, IReadOnlyList<(Labels Labels, long TimestampNs)> dropped)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, JsonResponses.Options))
        {
            w.WriteStartObject();
            if (streams.Count > 0)
            {
                w.WriteStartArray("streams");
                foreach (var s in streams)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("stream");
                    JsonResponses.WriteLabels(w, s.Labels);
                    w.WriteStartArray("values");
                    foreach (var e in s.Entries)
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
            }
            if (dropped.Count > 0)
            {
                w.WriteStartArray("dropped_entries");
                foreach (var (labels, ts) in dropped)
                {
                    w.WriteStartObject();
                    w.WriteString("timestamp", ts.ToString(CultureInfo.InvariantCulture));
                    w.WritePropertyName("labels");
                    JsonResponses.WriteLabels(w, labels);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static Task SendAsync(WebSocket socket, IReadOnlyList<ResultStream> streams, IReadOnlyList<(Labels, long)> dropped, CancellationToken ct) =>
        socket.SendAsync(Message(streams, dropped), WebSocketMessageType.Text, endOfMessage: true, ct);

    /// <summary>Reads (and ignores) client frames until the client closes, then cancels the tail.</summary>
    private static async Task ReceiveUntilClosedAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while (!closed.IsCancellationRequested)
            {
                var r = await socket.ReceiveAsync(buffer, closed.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        await closed.CancelAsync();
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(status, reason.Length > 120 ? reason[..120] : reason, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }
}
