using System.Collections.Concurrent;
using Sawmill.Core;

namespace Sawmill.LogQL.Log;

/// <summary>
/// A log pipeline compiled once per query (Loki's design): the stages in order. <see cref="ForStream"/> returns a
/// <see cref="StreamPipeline"/> holding the per-stream scratch state, cached by stream labels. The pipeline itself is
/// immutable and thread-safe.
/// </summary>
public sealed class Pipeline
{
    private readonly Stage[] _stages;
    private readonly ConcurrentDictionary<Labels, StreamPipeline> _streams = new();

    /// <param name="stages">The stages in query order.</param>
    /// <param name="neededLabels">
    /// Labels the consumer reads from the result (e.g. the grouping labels of a metric query), or null when it needs
    /// the full label set (log queries, <c>without</c> grouping). Parsers then extract only what is needed downstream.
    /// </param>
    /// <param name="skipLeadingLineFilters">
    /// True when the engine pushed <see cref="LeadingLineFilter"/> down into storage, so the pipeline does not
    /// test those filters again.
    /// </param>
    public Pipeline(IReadOnlyList<Stage> stages, IReadOnlySet<string>? neededLabels = null, bool skipLeadingLineFilters = false)
    {
        var leading = new List<LineFilter>();
        var first = 0;
        while (first < stages.Count && stages[first] is LineFilterStage lf)
        {
            leading.Add(lf.Filter);
            first++;
        }
        LeadingLineFilter = leading.Count == 0 ? null : leading.Count == 1 ? leading[0] : LineFilter.And(leading);
        _stages = skipLeadingLineFilters ? stages.Skip(first).ToArray() : stages.ToArray();
        Stages = stages;

        // Walk backwards: what a stage needs is what comes after it plus what the later stages read.
        HashSet<string>? needed = neededLabels == null ? null : new HashSet<string>(neededLabels, StringComparer.Ordinal);
        for (var i = _stages.Length - 1; i >= 0; i--)
        {
            _stages[i].SetNeededLabels(needed == null ? null : new HashSet<string>(needed, StringComparer.Ordinal));
            var refs = _stages[i].ReferencedLabels;
            if (refs == null)
                needed = null;
            else if (needed != null)
                needed.UnionWith(refs);
        }
    }

    /// <summary>The stages as given.</summary>
    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>The AND of the line filters before the first other stage; the engine may push it into storage. Null when none.</summary>
    public LineFilter? LeadingLineFilter { get; }

    /// <summary>True when the pipeline keeps every entry unchanged.</summary>
    public bool IsNoop => _stages.Length == 0;

    /// <summary>
    /// The stream pipeline for <paramref name="streamLabels"/>, cached. A stream pipeline is not thread-safe: callers
    /// that process one stream from several threads at once use <see cref="CreateStreamPipeline"/> for each.
    /// </summary>
    public StreamPipeline ForStream(Labels streamLabels) =>
        _streams.GetOrAdd(streamLabels, static (l, self) => self.CreateStreamPipeline(l), this);

    /// <summary>A new, uncached stream pipeline.</summary>
    public StreamPipeline CreateStreamPipeline(Labels streamLabels)
    {
        var states = new object?[_stages.Length];
        for (var i = 0; i < _stages.Length; i++)
            states[i] = _stages[i].CreateStreamState(streamLabels);
        return new StreamPipeline(streamLabels, _stages, states);
    }
}
