namespace Sawmill.Agent.Stages;

/// <summary>A stage that edits one entry in place and either keeps or drops it.</summary>
public abstract class TransformStage(string name) : Stage(name)
{
    /// <summary>Edits the entry; returns false to drop it (the stage's drop reason is used).</summary>
    protected abstract bool Apply(PipelineEntry entry);

    protected virtual string DropReason => Name;

    public sealed override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        if (Apply(entry))
            next(entry);
        else
            Drop(entry, DropReason);
    }
}
