using Sawmill.Core;

namespace Sawmill.Server.Tailing;

/// <summary>
/// One live tail's queue of acknowledged pushes, waiting to be filtered and sent. Bounded: when the client reads more
/// slowly than the tenant writes, entries beyond <c>maxPendingEntries</c> are dropped and reported to the client as
/// Loki's <c>dropped_entries</c> (labels and timestamp). Thread-safe: many publishers, one consumer.
/// </summary>
public sealed class TailSubscription : IDisposable
{
    /// <summary>At most this many dropped entries are reported per message; the rest are only counted.</summary>
    public const int MaxReportedDrops = 1000;

    /// <summary>How long past <c>delay_for</c> a batch with future timestamps may be held back.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(5);

    private readonly TailHub _hub;
    private readonly int _maxPending;
    private readonly object _lock = new();
    private List<Batch> _pending = [];
    private List<(Labels Labels, long TimestampNs)> _dropped = [];
    private int _pendingEntries;
    private long _droppedTotal;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal TailSubscription(TailHub hub, string tenant, int maxPendingEntries)
    {
        _hub = hub;
        Tenant = tenant;
        _maxPending = maxPendingEntries;
    }

    public string Tenant { get; }

    /// <summary>Entries dropped since the subscription began because the client fell behind.</summary>
    public long DroppedTotal => Interlocked.Read(ref _droppedTotal);

    internal void Enqueue(IReadOnlyList<PushStream> streams)
    {
        var arrived = Environment.TickCount64;
        TaskCompletionSource signal;
        lock (_lock)
        {
            foreach (var s in streams)
            {
                var room = _maxPending - _pendingEntries;
                if (s.Entries.Count <= room)
                {
                    _pending.Add(new Batch(arrived, MaxTimestamp(s.Entries, s.Entries.Count), s.Labels, s.Entries, 0, s.Entries.Count));
                    _pendingEntries += s.Entries.Count;
                    continue;
                }
                if (room > 0)
                {
                    _pending.Add(new Batch(arrived, MaxTimestamp(s.Entries, room), s.Labels, s.Entries, 0, room));
                    _pendingEntries += room;
                }
                for (var i = Math.Max(room, 0); i < s.Entries.Count; i++)
                {
                    _droppedTotal++;
                    if (_dropped.Count < MaxReportedDrops)
                        _dropped.Add((s.Labels, s.Entries[i].TimestampNs));
                }
            }
            signal = _signal;
        }
        signal.TrySetResult();
    }

    /// <summary>
    /// Completes when something was enqueued since the last <see cref="Take"/>, after <paramref name="max"/>, or on
    /// cancellation (never throws; the caller checks its token).
    /// </summary>
    public Task WaitAsync(TimeSpan max, CancellationToken ct)
    {
        Task signal;
        lock (_lock)
            signal = _signal.Task;
        return signal.WaitAsync(max, ct).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Removes and returns the batches that are ready and the entries dropped so far. Without a delay everything is
    /// ready. With Loki's <c>delay_for</c> a batch waits until its newest entry is <paramref name="delay"/> old, so
    /// entries that arrive a little late are sent together with (and sorted among) their neighbours; a batch with
    /// timestamps in the future is released at the latest <see cref="MaxHold"/> after it arrived.
    /// </summary>
    public (List<Batch> Ready, List<(Labels Labels, long TimestampNs)> Dropped) Take(TimeSpan delay)
    {
        var tsCutoff = TimeNs.Now() - delay.Ticks * 100;
        var arrivalCutoff = Environment.TickCount64 - (long)(delay + MaxHold).TotalMilliseconds;
        lock (_lock)
        {
            var ready = new List<Batch>();
            var keep = new List<Batch>();
            foreach (var b in _pending)
            {
                if (delay <= TimeSpan.Zero || b.MaxTimestampNs <= tsCutoff || b.ArrivedMs <= arrivalCutoff)
                {
                    ready.Add(b);
                    _pendingEntries -= b.Count;
                }
                else
                {
                    keep.Add(b);
                }
            }
            _pending = keep;
            var dropped = _dropped;
            _dropped = [];
            if (_signal.Task.IsCompleted)
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return (ready, dropped);
        }
    }

    private static long MaxTimestamp(List<PushEntry> entries, int count)
    {
        var max = long.MinValue;
        for (var i = 0; i < count; i++)
            max = Math.Max(max, entries[i].TimestampNs);
        return max;
    }

    public void Dispose() => _hub.Unsubscribe(this);

    /// <summary>A slice [<see cref="Offset"/>, Offset+<see cref="Count"/>) of one pushed stream's entries.</summary>
    public readonly record struct Batch(long ArrivedMs, long MaxTimestampNs, Labels Labels, List<PushEntry> Entries, int Offset, int Count);
}
