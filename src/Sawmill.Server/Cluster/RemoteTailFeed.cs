using Microsoft.Extensions.Logging;
using Sawmill.Cluster.Remote;
using Sawmill.Cluster.Ring;
using Sawmill.Server.Tailing;

namespace Sawmill.Server.Cluster;

/// <summary>
/// Live tail on a read node: while a tenant has tail subscribers here, this follows the feed of every healthy write
/// node (each sends the pushes its own distributor acknowledged, so every entry arrives once) and publishes what
/// arrives into the node's <see cref="TailHub"/>, where the tail endpoint filters it as in a single process. Feeds that
/// end are reconnected; write nodes that join are followed within a second. Thread-safe.
/// </summary>
public sealed class RemoteTailFeed : IAsyncDisposable
{
    private readonly TailHub _hub;
    private readonly RingClient _ring;
    private readonly IngesterClient _client;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Follower> _followers = new(StringComparer.Ordinal);

    public RemoteTailFeed(TailHub hub, RingClient ring, IngesterClient client, ILogger logger)
    {
        _hub = hub;
        _ring = ring;
        _client = client;
        _logger = logger;
        hub.TenantWatched = OnWatched;
    }

    private void OnWatched(string tenant, bool watched)
    {
        lock (_followers)
        {
            if (watched && !_followers.ContainsKey(tenant))
                _followers[tenant] = new Follower(this, tenant);
            else if (!watched && _followers.Remove(tenant, out var f))
                f.Stop();
        }
    }

    /// <summary>Completes once the tenant's feeds from every healthy write node are connected (or after a few seconds).</summary>
    public Task ReadyAsync(string tenant, CancellationToken cancellationToken)
    {
        Follower? f;
        lock (_followers)
            _followers.TryGetValue(tenant, out f);
        return f == null ? Task.CompletedTask : f.Ready.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private sealed class Follower
    {
        private readonly RemoteTailFeed _feed;
        private readonly string _tenant;
        private readonly CancellationTokenSource _stop = new();
        private readonly Dictionary<string, CancellationTokenSource> _byAddr = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Follower(RemoteTailFeed feed, string tenant)
        {
            _feed = feed;
            _tenant = tenant;
            _ = Task.Run(LoopAsync);
        }

        public Task Ready => _ready.Task;

        public void Stop() => _stop.Cancel();

        private async Task LoopAsync()
        {
            var token = _stop.Token;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    var live = _feed._ring.Current.Instances.Where(i => i.IsHealthy(Operation.Read, _feed._ring.Current.HeartbeatTimeout, now)).Select(i => i.Addr).ToHashSet();
                    foreach (var addr in _byAddr.Keys.Where(a => !live.Contains(a)).ToList())
                    {
                        _byAddr[addr].Cancel();
                        _byAddr.Remove(addr);
                    }
                    var connects = new List<Task>();
                    foreach (var addr in live.Where(a => !_byAddr.ContainsKey(a)))
                    {
                        var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                        _byAddr[addr] = cts;
                        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        connects.Add(connected.Task);
                        _ = FollowAsync(addr, connected, cts.Token);
                    }
                    if (!_ready.Task.IsCompleted)
                    {
                        await Task.WhenAny(Task.WhenAll(connects), Task.Delay(TimeSpan.FromSeconds(5), token)).ConfigureAwait(false);
                        _ready.TrySetResult();
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                foreach (var cts in _byAddr.Values)
                    cts.Cancel();
                _ready.TrySetResult();
            }
        }

        private async Task FollowAsync(string addr, TaskCompletionSource connected, CancellationToken token)
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await _feed._client.FollowTailAsync(addr, _tenant, streams => _feed._hub.Publish(_tenant, streams), () => connected.TrySetResult(), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    _feed._logger.LogDebug("tail feed from {Addr} ended: {Message}", addr, e.Message);
                }
                connected.TrySetResult();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_followers)
        {
            foreach (var f in _followers.Values)
                f.Stop();
            _followers.Clear();
        }
        return ValueTask.CompletedTask;
    }
}
