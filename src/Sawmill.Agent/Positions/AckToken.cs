namespace Sawmill.Agent.Positions;

/// <summary>
/// Stands for one line read from a file, up to <see cref="EndOffset"/>. The line's position may be saved once
/// every holder completed it: each client that received it after the server acknowledged (or after spilling it
/// durably), or the pipeline when a stage dropped it. Thread-safe.
/// </summary>
public sealed class AckToken
{
    private readonly PositionTracker _tracker;
    private int _refs;

    internal AckToken(PositionTracker tracker, long endOffset)
    {
        _tracker = tracker;
        EndOffset = endOffset;
        _refs = 1;
    }

    public long EndOffset { get; }

    internal bool IsDone => Volatile.Read(ref _refs) <= 0;

    /// <summary>Adds holders (fan-out to several clients). Call before handing the token on.</summary>
    public void AddRefs(int n) => Interlocked.Add(ref _refs, n);

    public void Complete()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
            _tracker.OnCompleted();
    }
}
