using System.Net;
using System.Net.Http.Headers;
using Sawmill.Core;
using Sawmill.Storage.Wal;

namespace Sawmill.Cluster.Remote;

/// <summary>
/// Node-to-node calls over HTTP: distributor → ingester pushes, querier → ingester selects and summaries, querier →
/// write node live-tail feeds. One pooled <see cref="HttpClient"/> for all peers; every call but the tail feed has a
/// timeout. The tenant travels as <c>X-Scope-OrgID</c>, as on the public API. Thread-safe.
/// </summary>
public sealed class IngesterClient : IDisposable
{
    public const string TenantHeader = "X-Scope-OrgID";
    public const string PushContentType = "application/x-sawmill-push";
    private readonly HttpClient _http;

    public IngesterClient(TimeSpan timeout)
    {
        Timeout = timeout;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 64,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>Deadline of a push, select or summaries call.</summary>
    public TimeSpan Timeout { get; }

    private static Uri Url(string addr, string path) => new($"http://{addr}{path}");

    /// <summary>Sends one push record to an ingester; returns what it stored. Throws <see cref="RemoteException"/>.</summary>
    public async Task<PushResult> PushAsync(string addr, string tenant, ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(addr, "/ingester/push")) { Content = new ReadOnlyMemoryContent(record) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(PushContentType);
        request.Headers.Add(TenantHeader, tenant);
        var body = await SendAsync(addr, request, cancellationToken).ConfigureAwait(false);
        return PushResultWire.Read(body);
    }

    /// <summary>An ingester's select answer (docs/format/wire.md).</summary>
    public Task<byte[]> SelectAsync(string addr, string tenant, RemoteRequest query, CancellationToken cancellationToken) =>
        PostJsonAsync(addr, "/ingester/select", tenant, query.ToJson(), cancellationToken);

    /// <summary>An ingester's per-stream figures.</summary>
    public Task<byte[]> SummariesAsync(string addr, string tenant, RemoteRequest query, CancellationToken cancellationToken) =>
        PostJsonAsync(addr, "/ingester/summaries", tenant, query.ToJson(), cancellationToken);

    /// <summary>The tenants an ingester holds data of.</summary>
    public async Task<IReadOnlyList<string>> TenantsAsync(string addr, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(addr, "/ingester/tenants"));
        var body = await SendAsync(addr, request, cancellationToken).ConfigureAwait(false);
        return System.Text.Json.JsonSerializer.Deserialize<List<string>>(body) ?? [];
    }

    private async Task<byte[]> PostJsonAsync(string addr, string path, string tenant, byte[] json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(addr, path)) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(TenantHeader, tenant);
        return await SendAsync(addr, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> SendAsync(string addr, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new RemoteException(addr, (int)response.StatusCode, System.Text.Encoding.UTF8.GetString(body).Trim());
            return body;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteException(addr, 0, $"no answer within {Timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException e)
        {
            throw new RemoteException(addr, 0, e.Message);
        }
    }

    /// <summary>
    /// Follows a write node's live feed of acknowledged pushes for a tenant until cancelled or the connection ends
    /// (then the caller reconnects). Each record is handed to <paramref name="onPush"/>.
    /// </summary>
    /// <param name="connected">Called once the write node has subscribed the feed (from then on nothing acknowledged is missed).</param>
    public async Task FollowTailAsync(string addr, string tenant, Action<List<PushStream>> onPush, Action connected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(addr, "/ingester/tail"));
        request.Headers.Add(TenantHeader, tenant);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new RemoteException(addr, (int)response.StatusCode, "tail feed refused");
        connected();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        while (await PushWire.ReadAsync(stream, cancellationToken).ConfigureAwait(false) is { } push)
            onPush(push.Streams);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A peer call failed: unreachable, timed out (status 0) or answered an error status.</summary>
public sealed class RemoteException(string addr, int status, string message) : Exception($"{addr}: {(status > 0 ? status + " " : "")}{message}")
{
    public string Addr { get; } = addr;
    public int Status { get; } = status;
}

/// <summary>An ingester's answer to a push: appended, bytes, duplicates, and the entries it refused with their reasons (JSON).</summary>
public static class PushResultWire
{
    public static byte[] Write(PushResult r)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("appended", r.EntriesAppended);
            w.WriteNumber("bytes", r.BytesAppended);
            w.WriteNumber("duplicates", r.DuplicatesDropped);
            w.WriteStartArray("rejected");
            foreach (var e in r.Rejected ?? [])
            {
                w.WriteStartObject();
                w.WriteString("stream", e.Stream.ToString());
                w.WriteStartArray("labels");
                foreach (var l in e.Stream.AsSpan())
                {
                    w.WriteStringValue(l.Name);
                    w.WriteStringValue(l.Value);
                }
                w.WriteEndArray();
                w.WriteNumber("ts", e.TimestampNs);
                w.WriteNumber("line_bytes", e.LineBytes);
                w.WriteString("reason", e.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static PushResult Read(byte[] body)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        var root = doc.RootElement;
        var rejected = new List<RejectedEntry>();
        foreach (var e in root.GetProperty("rejected").EnumerateArray())
        {
            var parts = e.GetProperty("labels").EnumerateArray().Select(x => x.GetString()!).ToArray();
            var labels = new List<Label>();
            for (var i = 0; i + 1 < parts.Length; i += 2)
                labels.Add(new Label(parts[i], parts[i + 1]));
            rejected.Add(new RejectedEntry(Labels.From(labels), e.GetProperty("ts").GetInt64(), e.GetProperty("line_bytes").GetInt32(), e.GetProperty("reason").GetString()!));
        }
        return new PushResult(root.GetProperty("appended").GetInt64(), root.GetProperty("bytes").GetInt64(), root.GetProperty("duplicates").GetInt64(),
            rejected.Count > 0 ? rejected : null);
    }
}
