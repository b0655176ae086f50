using Microsoft.Extensions.Logging;

namespace Sawmill.Cluster.Ring;

/// <summary>
/// Keeps this node in a ring (Loki's lifecycler): registers its <see cref="InstanceDesc"/> under
/// <c>&lt;prefix&gt;&lt;ring&gt;/&lt;id&gt;</c> tied to a lease of <c>heartbeat_timeout</c>, and every <c>heartbeat_period</c>
/// renews the lease and rewrites the entry with a fresh heartbeat. A node that stops (crash, <c>kill -9</c>) stops
/// renewing, so the store drops its entry once the timeout has passed and its tokens go to the others. A lease lost
/// while the node lives (a long pause, etcd restarted) is replaced by a new one. <see cref="LeaveAsync"/> removes the
/// entry at once. Thread-safe.
/// </summary>
public sealed class Lifecycler : IAsyncDisposable
{
    private readonly IKvStore _store;
    private readonly string _key;
    private readonly TimeSpan _period;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _lock = new();
    private InstanceDesc _desc;
    private long _lease;
    private Task? _loop;

    public Lifecycler(IKvStore store, string prefix, string ring, InstanceDesc desc, TimeSpan heartbeatPeriod, TimeSpan heartbeatTimeout, ILogger logger)
    {
        _store = store;
        _key = RingClient.KeyPrefix(prefix, ring) + desc.Id;
        _desc = desc;
        _period = heartbeatPeriod;
        _timeout = heartbeatTimeout;
        _logger = logger;
    }

    public InstanceDesc Desc
    {
        get
        {
            lock (_lock)
                return _desc;
        }
    }

    /// <summary>Called before each heartbeat to refresh figures carried in the entry (e.g. the oldest unshipped data).</summary>
    public Func<InstanceDesc, InstanceDesc>? Update { get; set; }

    /// <summary>Registers the instance (state ACTIVE) and starts heart-beating. Throws when the store cannot be reached.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync(cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(LoopAsync);
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        // The lease outlives a heartbeat period comfortably but no more than the timeout others judge health by.
        _lease = await _store.GrantAsync(_timeout, cancellationToken).ConfigureAwait(false);
        await WriteAsync(cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("joined ring {Key} as {Addr} with {Tokens} tokens ({Store})", _key, Desc.Addr, Desc.Tokens.Length, _store.Description);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        InstanceDesc desc;
        lock (_lock)
        {
            desc = _desc with { HeartbeatMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            if (Update != null)
                desc = Update(desc);
            _desc = desc;
        }
        await _store.PutAsync(_key, desc.ToJson(), _lease, cancellationToken).ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_period, token).ConfigureAwait(false);
                await _store.RenewAsync(_lease, token).ConfigureAwait(false);
                await WriteAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (LeaseExpiredException)
            {
                _logger.LogWarning("ring lease of {Key} expired; registering again", _key);
                try
                {
                    await RegisterAsync(token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError("could not register {Key} again: {Message}", _key, e.Message);
                }
            }
            catch (Exception e)
            {
                _logger.LogWarning("ring heartbeat of {Key} failed: {Message}", _key, e.Message);
            }
        }
    }

    /// <summary>Marks the instance LEAVING (it takes no new writes), for the time a shutdown flushes.</summary>
    public async Task SetLeavingAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            _desc = _desc with { State = InstanceState.Leaving };
        await WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops heart-beating and removes the instance from the ring now.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop != null)
            await _loop.ConfigureAwait(false);
        try
        {
            await _store.DeleteAsync(_key, cancellationToken).ConfigureAwait(false);
            await _store.RevokeAsync(_lease, cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("left ring {Key}", _key);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("could not leave ring {Key} cleanly ({Message}); it expires after the heartbeat timeout", _key, e.Message);
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
