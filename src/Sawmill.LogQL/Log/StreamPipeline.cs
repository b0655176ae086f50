using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// The pipeline of one query applied to one stream, with that stream's scratch state. Not thread-safe; reuse it for
/// every entry of the stream. After <see cref="Process"/> returns true, <see cref="Entry"/> holds the entry's labels
/// and error until the next call.
/// </summary>
public sealed class StreamPipeline
{
    private readonly Stage[] _stages;
    private readonly object?[] _states;

    internal StreamPipeline(Labels streamLabels, Stage[] stages, object?[] states)
    {
        _stages = stages;
        _states = states;
        Entry = new EntryState(streamLabels);
    }

    public Labels StreamLabels => Entry.StreamLabels;

    /// <summary>The state of the last processed entry.</summary>
    public EntryState Entry { get; }

    /// <summary>
    /// Runs the stages over one entry. The input <paramref name="line"/> is never written. On success
    /// <paramref name="resultLine"/> is the (possibly reformatted) line: the input itself or a buffer owned by this
    /// stream pipeline, valid until the next call but one.
    /// </summary>
    public bool Process(long timestampNs, ReadOnlySpan<byte> line, ReadOnlySpan<Label> metadata, out ReadOnlySpan<byte> resultLine)
    {
        Entry.Reset(timestampNs, metadata);
        var stages = _stages;
        for (var i = 0; i < stages.Length; i++)
        {
            if (!stages[i].Process(Entry, _states[i], ref line))
            {
                resultLine = default;
                return false;
            }
        }
        resultLine = line;
        return true;
    }

    /// <summary><see cref="Process(long, ReadOnlySpan{byte}, ReadOnlySpan{Label}, out ReadOnlySpan{byte})"/> without metadata.</summary>
    public bool Process(long timestampNs, ReadOnlySpan<byte> line, out ReadOnlySpan<byte> resultLine) =>
        Process(timestampNs, line, default, out resultLine);

    /// <summary>The final labels of the last entry (see <see cref="EntryState.BuildLabels"/>).</summary>
    public Labels Labels => Entry.BuildLabels();
}
