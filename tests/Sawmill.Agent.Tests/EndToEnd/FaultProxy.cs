using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>
/// A reverse proxy in front of a real server that answers the next pushes with scripted failure statuses (as an
/// overloaded Loki answers 429/5xx) and forwards the rest unchanged. Records when each push arrived and its answer.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private FaultProxy(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ConcurrentQueue<int> Script { get; } = new();
    public ConcurrentQueue<(TimeSpan At, int Status)> Pushes { get; } = new();
    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<FaultProxy> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new FaultProxy(app, upstream);
        app.MapPost("/loki/api/v1/push", proxy.HandleAsync);
        await app.StartAsync();
        proxy.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return proxy;
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        using var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body);
        if (Script.TryDequeue(out var status))
        {
            Pushes.Enqueue((_clock.Elapsed, status));
            ctx.Response.StatusCode = status;
            await ctx.Response.WriteAsync(status == 429 ? "Ingestion rate limit exceeded (scripted)" : $"scripted failure {status}");
            return;
        }
        using var forward = new HttpRequestMessage(HttpMethod.Post, "/loki/api/v1/push") { Content = new ByteArrayContent(body.ToArray()) };
        forward.Content.Headers.TryAddWithoutValidation("Content-Type", ctx.Request.ContentType);
        if (ctx.Request.Headers.ContentEncoding.Count > 0)
            forward.Content.Headers.TryAddWithoutValidation("Content-Encoding", ctx.Request.Headers.ContentEncoding.ToString());
        if (ctx.Request.Headers.TryGetValue("X-Scope-OrgID", out var tenant))
            forward.Headers.TryAddWithoutValidation("X-Scope-OrgID", tenant.ToString());
        using var answer = await _upstream.SendAsync(forward);
        Pushes.Enqueue((_clock.Elapsed, (int)answer.StatusCode));
        ctx.Response.StatusCode = (int)answer.StatusCode;
        await ctx.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
