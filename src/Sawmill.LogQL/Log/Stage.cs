using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// One stage of a log pipeline (line filter, parser, label filter, formatter …). Stages are built once per query
/// from plain values, are immutable and thread-safe; anything mutable lives in the per-stream object returned by
/// <see cref="CreateStreamState"/> or in the <see cref="EntryState"/>.
/// </summary>
public abstract class Stage
{
    /// <summary>
    /// Processes one entry. <paramref name="line"/> is the current line: the caller's input buffer or a buffer owned
    /// by <paramref name="entry"/>; a stage never writes into it, it replaces the span instead (with
    /// <see cref="EntryState.RentLineBuffer"/>). Returns false to drop the entry.
    /// </summary>
    public abstract bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line);

    /// <summary>Per-stream mutable state (scratch buffers, key caches) for this stage, or null. Called once per stream.</summary>
    public virtual object? CreateStreamState(Labels streamLabels) => null;

    /// <summary>Label names the stage reads; null when it may read any label (e.g. a template over all labels).</summary>
    public virtual IReadOnlyCollection<string>? ReferencedLabels => [];

    /// <summary>
    /// For parsers: the labels needed after this stage (null = all). A parser may skip every other field and stop
    /// early once all of them are found. Set by <see cref="Pipeline"/> while it is built, before any use.
    /// </summary>
    internal virtual void SetNeededLabels(IReadOnlySet<string>? needed) { }
}
