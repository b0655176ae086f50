using Microsoft.Extensions.Logging;

namespace Sawmill.Cluster.Ring;

/// <summary>
/// A node's view of one ring: it reads every member under <c>&lt;prefix&gt;&lt;ring&gt;/</c> every poll period into an
/// immutable <see cref="HashRing"/>. Readers take <see cref="Current"/> without locking. A failed poll keeps the last view
/// (members' heartbeats then age, so they turn unhealthy after the timeout). Thread-safe.
/// </summary>
public sealed class RingClient : IAsyncDisposable
{
    private readonly IKvStore _store;
    private readonly string _prefix;
    private readonly int _replicationFactor;
    private readonly TimeSpan _heartbeatTimeout;
    private readonly TimeSpan _poll;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private HashRing _ring = HashRing.Empty;
    private Task? _loop;

    public RingClient(IKvStore store, string prefix, string ring, int replicationFactor, TimeSpan heartbeatTimeout, TimeSpan poll, ILogger logger)
    {
        _store = store;
        _prefix = KeyPrefix(prefix, ring);
        Name = ring;
        _replicationFactor = replicationFactor;
        _heartbeatTimeout = heartbeatTimeout;
        _poll = poll;
        _logger = logger;
    }

    public string Name { get; }

    public static string KeyPrefix(string prefix, string ring) => prefix + ring + "/";

    public HashRing Current => Volatile.Read(ref _ring);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Reads the ring now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var entries = await _store.ListAsync(_prefix, cancellationToken).ConfigureAwait(false);
        var instances = new List<InstanceDesc>(entries.Count);
        foreach (var (key, value) in entries)
        {
            if (InstanceDesc.FromJson(value) is { } desc)
                instances.Add(desc);
            else
                _logger.LogWarning("ignoring unreadable ring entry {Key}", key);
        }
        Volatile.Write(ref _ring, new HashRing(instances, _replicationFactor, _heartbeatTimeout));
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        var failing = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_poll, token).ConfigureAwait(false);
                await RefreshAsync(token).ConfigureAwait(false);
                if (failing)
                    _logger.LogInformation("ring {Ring} readable again", Name);
                failing = false;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (!failing)
                    _logger.LogWarning("cannot read ring {Ring}: {Message}; keeping the last view", Name, e.Message);
                failing = true;
            }
        }
    }

    /// <summary>Waits until the ring satisfies <paramref name="condition"/> (e.g. enough members), refreshing meanwhile.</summary>
    public async Task WaitForAsync(Func<HashRing, bool> condition, CancellationToken cancellationToken)
    {
        while (!condition(Current))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            try
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RingException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop != null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
