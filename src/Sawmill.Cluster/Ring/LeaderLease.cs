using Microsoft.Extensions.Logging;

namespace Sawmill.Cluster.Ring;

/// <summary>
/// A lock held under a lease (etcd's leader election, as Loki's compactor ring ensures one compactor): the key is
/// created only if absent, tied to a lease renewed every <c>ttl/3</c>; the holder that dies stops renewing and the key
/// vanishes after the TTL, when another node takes it. <see cref="IsHeld"/> turns false as soon as a renewal fails, so
/// the holder stops its work before anyone else can start; if its lease turns out to have survived (the renewal only
/// timed out), it holds the lock again at the next attempt. Thread-safe.
/// </summary>
public sealed class LeaderLease : IAsyncDisposable
{
    private readonly IKvStore _store;
    private readonly string _key;
    private readonly string _holder;
    private readonly TimeSpan _ttl;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private long _lease;
    private volatile bool _held;
    private Task? _loop;

    public LeaderLease(IKvStore store, string key, string holder, TimeSpan ttl, ILogger logger)
    {
        _store = store;
        _key = key;
        _holder = holder;
        _ttl = ttl;
        _logger = logger;
    }

    public bool IsHeld => _held;

    /// <summary>Raised (on the lease's loop) when this node gains or loses the lock.</summary>
    public event Action<bool>? Changed;

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Who holds the lock now (the holder's id), or null.</summary>
    public async Task<string?> HolderAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, value) in await _store.ListAsync(_key, cancellationToken).ConfigureAwait(false))
            if (key == _key)
                return System.Text.Encoding.UTF8.GetString(value);
        return null;
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        var period = TimeSpan.FromTicks(Math.Max(_ttl.Ticks / 3, TimeSpan.FromMilliseconds(100).Ticks));
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_held)
                {
                    await _store.RenewAsync(_lease, token).ConfigureAwait(false);
                }
                else if (_lease != 0 && await ResumeAsync(token).ConfigureAwait(false))
                {
                    Set(true);
                    _logger.LogInformation("kept {Key}: its lease outlived the failed renewal", _key);
                }
                else
                {
                    _lease = await _store.GrantAsync(_ttl, token).ConfigureAwait(false);
                    if (await _store.CreateAsync(_key, System.Text.Encoding.UTF8.GetBytes(_holder), _lease, token).ConfigureAwait(false))
                    {
                        Set(true);
                        _logger.LogInformation("acquired {Key}", _key);
                    }
                    else
                    {
                        await _store.RevokeAsync(_lease, token).ConfigureAwait(false);
                        _lease = 0;
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (_held)
                    _logger.LogWarning("lost {Key}: {Message}", _key, e.Message);
                Set(false);
            }
            try
            {
                await Task.Delay(period, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// After a renewal that failed without the lease being gone (a timeout on a loaded machine or a brief etcd outage):
    /// true when the old lease still lives and the key is still this node's, so the lock is held again at once instead
    /// of staying unheld until the node's own key expires. Nobody else can have taken the key meanwhile: it existed.
    /// </summary>
    private async Task<bool> ResumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _store.RenewAsync(_lease, cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseExpiredException)
        {
            _lease = 0;
            return false;
        }
        if (await HolderAsync(cancellationToken).ConfigureAwait(false) == _holder)
            return true;
        await _store.RevokeAsync(_lease, cancellationToken).ConfigureAwait(false);
        _lease = 0;
        return false;
    }

    private void Set(bool held)
    {
        if (_held == held)
            return;
        _held = held;
        Changed?.Invoke(held);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop != null)
            await _loop.ConfigureAwait(false);
        if (_held)
        {
            _held = false;
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _store.RevokeAsync(_lease, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning("could not release {Key} ({Message}); it expires after {Ttl}", _key, e.Message, _ttl);
            }
        }
        _stop.Dispose();
    }
}
