using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sawmill.Testing;

namespace Sawmill.Server.Tests.Tailing;

/// <summary><c>/loki/api/v1/tail</c> over a real websocket: history first, then live entries that match, Loki's shapes.</summary>
public sealed class TailTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private SawmillProcess Server => fixture.Server;

    private async Task<ClientWebSocket> ConnectAsync(string query, params (string Key, string Value)[] extra)
    {
        var ws = new ClientWebSocket();
        var url = new UriBuilder(Server.BaseAddress) { Scheme = "ws", Path = "/loki/api/v1/tail" };
        url.Query = "query=" + Uri.EscapeDataString(query) + string.Concat(extra.Select(e => "&" + e.Key + "=" + Uri.EscapeDataString(e.Value)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(url.Uri, timeout.Token);
        return ws;
    }

    /// <summary>Reads messages until <paramref name="want"/> lines arrived (or 20 s passed); returns every (labels, ts, line).</summary>
    private static async Task<(List<(JsonElement Stream, long Ts, string Line)> Lines, List<JsonDocument> Messages)> ReadAsync(ClientWebSocket ws, int want)
    {
        var lines = new List<(JsonElement, long, string)>();
        var messages = new List<JsonDocument>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1 << 16];
        while (lines.Count < want && !timeout.IsCancellationRequested)
        {
            using var ms = new MemoryStream();
            WebSocketReceiveResult r;
            do
            {
                r = await ws.ReceiveAsync(buffer, timeout.Token);
                ms.Write(buffer, 0, r.Count);
            }
            while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
                break;
            var doc = JsonDocument.Parse(ms.ToArray());
            messages.Add(doc);
            if (doc.RootElement.TryGetProperty("streams", out var streams))
                foreach (var s in streams.EnumerateArray())
                    foreach (var v in s.GetProperty("values").EnumerateArray())
                        lines.Add((s.GetProperty("stream").Clone(), long.Parse(v[0].GetString()!), v[1].GetString()!));
        }
        return (lines, messages);
    }

    [Fact]
    public async Task Tail_sends_recent_history_then_new_matching_lines_in_order()
    {
        var http = Server.CreateClient();
        var now = Client.Now;
        using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"tail1\"}", (now - 3_000_000_000, "old error one"), (now - 2_000_000_000, "old info"), (now - 1_000_000_000, "old error two")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        using var ws = await ConnectAsync("{app=\"tail1\"} |= \"error\"", ("limit", "10"));
        var (history, messages) = await ReadAsync(ws, 2);
        Assert.Equal(["old error one", "old error two"], history.Select(h => h.Line));
        Assert.Equal("tail1", history[0].Stream.GetProperty("app").GetString());
        Assert.False(messages[0].RootElement.TryGetProperty("dropped_entries", out _), "empty dropped_entries is omitted as in Loki");

        var t = Client.Now;
        using (var r = await Client.PushJsonAsync(http, Client.Body(
            Client.Stream("{\"app\":\"tail1\",\"level\":\"error\"}", (t, "new error A"), (t + 1, "new info"), (t + 2, "new error B")),
            Client.Stream("{\"app\":\"other\"}", (t, "error elsewhere")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var (live, _) = await ReadAsync(ws, 2);
        Assert.Equal(["new error A", "new error B"], live.Select(l => l.Line));
        Assert.Equal([t, t + 2], live.Select(l => l.Ts));
        Assert.Equal("error", live[0].Stream.GetProperty("level").GetString());
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task Tail_with_delay_for_sends_late_entries_in_timestamp_order()
    {
        var http = Server.CreateClient();
        using var ws = await ConnectAsync("{app=\"tail2\"}", ("delay_for", "2"), ("start", Client.Now.ToString()));
        var t = Client.Now;
        using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"tail2\"}", (t + 5, "second")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        using (var r = await Client.PushJsonAsync(http, Client.Body(Client.Stream("{\"app\":\"tail2\"}", (t, "first")))))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        var (live, _) = await ReadAsync(ws, 2);
        Assert.Equal(["first", "second"], live.Select(l => l.Line));
    }

    [Theory]
    [InlineData("delay_for=6", "delay_for can't be greater than 5")]
    [InlineData("limit=x", "invalid limit parameter")]
    [InlineData("limit=10", "websocket: the client is not using the websocket protocol")]
    public async Task Bad_tail_requests_get_400_before_the_upgrade(string extra, string expected)
    {
        var (status, body) = await Client.GetTextAsync(Server.CreateClient(), "/loki/api/v1/tail?query=" + Uri.EscapeDataString("{app=\"x\"}") + "&" + extra);
        Assert.Equal(400, status);
        Assert.Contains(expected, body);
    }

    [Fact]
    public async Task A_metric_query_or_a_bad_query_cannot_be_tailed()
    {
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync("count_over_time({app=\"x\"}[1m])"));
        Assert.Contains("400", ex.Message);
        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync("{app=\"x\""));
    }

    [Fact]
    public void Tail_messages_have_Lokis_shape()
    {
        var streams = new List<Sawmill.LogQL.Engine.ResultStream>
        {
            new(Sawmill.Core.Labels.From(("app", "a")), [new Sawmill.LogQL.Engine.ResultEntry(5, "line \"q\"")]),
        };
        var json = Encoding.UTF8.GetString(Sawmill.Server.Api.TailEndpoints.Message(streams, [(Sawmill.Core.Labels.From(("app", "b")), 7L)]));
        Assert.Equal("{\"streams\":[{\"stream\":{\"app\":\"a\"},\"values\":[[\"5\",\"line \\\"q\\\"\"]]}],\"dropped_entries\":[{\"timestamp\":\"7\",\"labels\":{\"app\":\"b\"}}]}", json);
        Assert.Equal("{}", Encoding.UTF8.GetString(Sawmill.Server.Api.TailEndpoints.Message([], [])));
    }

    [Fact]
    public async Task Tail_sends_recent_lines_then_new_ones_as_they_are_pushed()
    {
        var http = Server.CreateClient();
        var app = "tail-" + Guid.NewGuid().ToString("N")[..8];
        var now = Client.Now;
        await Client.PushJsonAsync(http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now - 2_000_000_000, "before 1"), (now - 1_000_000_000, "before 2"))));

        using var ws = await ConnectAsync($"{{app=\"{app}\"}} != \"skip\"");
        var (first, messages) = await ReadAsync(ws, 2);
        Assert.Equal(["before 1", "before 2"], first.Select(l => l.Line));
        Assert.False(messages[0].RootElement.TryGetProperty("dropped_entries", out _), "Loki omits an empty dropped_entries");

        await Client.PushJsonAsync(http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (Client.Now, "skip me"), (Client.Now + 1, "live line"))));
        var (next, _) = await ReadAsync(ws, 1);
        Assert.Equal(["live line"], next.Select(l => l.Line));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task A_bad_tail_query_is_a_plain_400()
    {
        var (status, body) = await Client.GetTextAsync(Server.CreateClient(), "/loki/api/v1/tail", ("query", "{app="));
        Assert.Equal(400, status);
        Assert.StartsWith("parse error", body);
    }
}
