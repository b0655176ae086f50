using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sawmill.Core;

namespace Sawmill.Server.Tests.Api;

public sealed class TailTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static async Task<JsonDocument> ReceiveAsync(ClientWebSocket ws, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        using var ms = new MemoryStream();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, cts.Token);
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage)
                return JsonDocument.Parse(ms.ToArray());
        }
    }

    private static List<string> Lines(JsonDocument doc) =>
        doc.RootElement.GetProperty("streams").EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray()).Select(v => v[1].GetString()!).ToList();

    [Fact]
    public async Task Tail_sends_recent_lines_then_new_ones_as_they_are_pushed()
    {
        var http = fixture.Server.CreateClient();
        var app = "tail-" + Guid.NewGuid().ToString("N")[..8];
        var now = TimeNs.Now();
        await Client.PushJsonAsync(http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (now - 2 * TimeNs.PerSecond, "before 1"), (now - TimeNs.PerSecond, "before 2"))));

        using var ws = new ClientWebSocket();
        var uri = new UriBuilder(fixture.Server.BaseAddress) { Scheme = "ws", Path = "/loki/api/v1/tail", Query = "query=" + Uri.EscapeDataString($"{{app=\"{app}\"}} != \"skip\"") }.Uri;
        await ws.ConnectAsync(uri, CancellationToken.None);
        using (var first = await ReceiveAsync(ws, TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(["before 1", "before 2"], Lines(first));
            Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("dropped_entries").ValueKind);
        }

        await Client.PushJsonAsync(http, Client.Body(Client.Stream($"{{\"app\":\"{app}\"}}", (TimeNs.Now(), "skip me"), (TimeNs.Now() + 1, "live line"))));
        using (var next = await ReceiveAsync(ws, TimeSpan.FromSeconds(10)))
            Assert.Equal(["live line"], Lines(next));
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task A_bad_tail_query_is_a_plain_400()
    {
        var (status, body) = await Client.GetTextAsync(fixture.Server.CreateClient(), "/loki/api/v1/tail", ("query", "{app="));
        Assert.Equal(400, status);
        Assert.StartsWith("parse error", body);
    }
}
