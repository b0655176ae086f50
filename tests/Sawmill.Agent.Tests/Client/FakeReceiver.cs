using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sawmill.Agent.Tests.Client;

/// <summary>
/// A tiny push endpoint for retry tests: answers each push with the next scripted status (then 204 forever, or
/// <see cref="DefaultStatus"/>), and records the accepted pushes.
/// </summary>
internal sealed class FakeReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<int> Script { get; } = new();
    public volatile int DefaultStatus = 204;
    public int Requests;
    public ConcurrentQueue<(string Tenant, List<(string Labels, long Ns, string Line)> Entries)> Accepted { get; } = new();
    public Uri Url { get; private set; } = null!;

    public List<string> Lines => Accepted.SelectMany(a => a.Entries.Select(e => e.Line)).ToList();

    public static async Task<FakeReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var r = new FakeReceiver(app);
        app.MapPost("/loki/api/v1/push", async (HttpContext ctx) =>
        {
            Interlocked.Increment(ref r.Requests);
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            var status = r.Script.TryDequeue(out var s) ? s : r.DefaultStatus;
            if (status / 100 == 2)
                r.Accepted.Enqueue((ctx.Request.Headers["X-Scope-OrgID"].ToString(), PushDecoder.Decode(ms.ToArray())));
            ctx.Response.StatusCode = status;
            if (status / 100 != 2)
                await ctx.Response.WriteAsync($"scripted status {status}");
        });
        await app.StartAsync();
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        r.Url = new Uri(addr.TrimEnd('/') + "/loki/api/v1/push");
        return r;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
