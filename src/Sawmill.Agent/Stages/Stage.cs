namespace Sawmill.Agent.Stages;

/// <summary>
/// A pipeline stage. <see cref="Process"/> hands the entry (or entries) on by calling <c>next</c> zero or more times;
/// a stage that drops an entry must complete its tokens (use <see cref="Drop"/>). One instance serves one pipeline,
/// which runs on one tailer's thread: stages may keep per-stream state without locks.
/// </summary>
public abstract class Stage(string name)
{
    public string Name { get; } = name;

    /// <summary>Counts dropped entries by reason (Promtail's <c>logentry_dropped_lines_total</c>); set by the pipeline.</summary>
    internal AgentMetrics? Metrics { get; set; }

    public abstract void Process(PipelineEntry entry, Action<PipelineEntry> next);

    /// <summary>Called when the source is idle, so stages that hold entries (multiline) can release them on time.</summary>
    public virtual void Tick(long nowNs, Action<PipelineEntry> next)
    {
    }

    /// <summary>Releases everything held (end of a file generation, shutdown).</summary>
    public virtual void Flush(Action<PipelineEntry> next)
    {
    }

    protected void Drop(PipelineEntry entry, string reason)
    {
        Metrics?.DroppedLines(reason);
        entry.Complete();
    }
}
