namespace Sawmill.Agent.Positions;

/// <summary>
/// Tracks the lines of one generation of one file (a generation ends at rotation or truncation) and moves the saved
/// position forward only across a prefix of completed lines, so the saved offset never passes a line that is still
/// in flight. Lines are issued in file order by one tailer; completions arrive from any thread.
/// </summary>
public sealed class PositionTracker(PositionsFile positions, string path)
{
    private readonly Queue<AckToken> _pending = new();
    private readonly object _lock = new();
    private bool _retired;

    public string Path { get; } = path;

    public int PendingCount
    {
        get
        {
            lock (_lock)
                return _pending.Count;
        }
    }

    /// <summary>Issues a token for a line ending at <paramref name="endOffset"/> (increasing across calls).</summary>
    public AckToken Issue(long endOffset)
    {
        var t = new AckToken(this, endOffset);
        lock (_lock)
            _pending.Enqueue(t);
        return t;
    }

    /// <summary>Records a position with no line in flight (e.g. skipping an already-read compressed file).</summary>
    public void SetDirect(long offset)
    {
        lock (_lock)
        {
            if (!_retired && _pending.Count == 0)
                positions.Set(Path, offset);
        }
    }

    /// <summary>A newer generation of the path took over (or the path was dropped): stop writing its position.</summary>
    public void Retire()
    {
        lock (_lock)
            _retired = true;
    }

    internal void OnCompleted()
    {
        lock (_lock)
        {
            long last = -1;
            while (_pending.Count > 0 && _pending.Peek().IsDone)
                last = _pending.Dequeue().EndOffset;
            if (last >= 0 && !_retired)
                positions.Set(Path, last);
        }
    }
}
