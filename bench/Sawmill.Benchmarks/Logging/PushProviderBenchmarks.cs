using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sawmill.Logging;
using Sawmill.Logging.Push;

namespace Sawmill.Benchmarks.Logging;

/// <summary>
/// Cost on the application's thread of one log call through the push provider (format, timestamp, enqueue), with
/// the background sender posting to a local HTTP endpoint that accepts every push (204), so the figure includes
/// the contention with a live sender. <c>-- --filter '*PushProvider*' --job short</c>. Sent/dropped totals are
/// printed at the end: drops mean the sender could not keep up with the benchmark's rate.
/// </summary>
[MemoryDiagnoser]
public class PushProviderBenchmarks
{
    private WebApplication _sink = null!;
    private SawmillPushLoggerProvider _provider = null!;
    private ILogger _logger = null!;
    private IDisposable? _scope;

    [Params(PushProtocol.Protobuf, PushProtocol.Json)]
    public PushProtocol Protocol { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _sink = builder.Build();
        _sink.MapPost("/loki/api/v1/push", async (HttpContext ctx) =>
        {
            await ctx.Request.Body.CopyToAsync(Stream.Null);
            return Results.NoContent();
        });
        _sink.StartAsync().GetAwaiter().GetResult();
        var address = _sink.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _provider = new SawmillPushLoggerProvider(new SawmillPushOptions
        {
            Url = address,
            Protocol = Protocol,
            Labels = { ["app"] = "bench" },
            QueueCapacity = 100_000,
            SelfLogToStderr = false,
        });
        _logger = _provider.CreateLogger("churn_api");
        _scope = _logger.BeginScope(new LogFields(1) { ["request_id"] = "3278ef35-3c0a-41eb-baa6-31cc8f856342" });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope?.Dispose();
        _provider.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        var s = _provider.Statistics;
        Console.WriteLine($"// push {Protocol}: enqueued={s.Enqueued} sent={s.Sent} dropped={s.Dropped} failed={s.Failed} batches={s.Batches}");
        _provider.Dispose();
        _sink.StopAsync().GetAwaiter().GetResult();
        _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public void Prediction_successful_event() =>
        _logger.Info("Prediction successful", new LogFields(4)
        {
            ["prediction"] = "no_churn",
            ["confidence"] = 0.87,
            ["model_version"] = "v1.2.3",
            ["latency_ms"] = 45.3,
        });
}
