using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>match</c> stage: when the entry's labels (and line, for line filters in the selector) match the
/// LogQL selector, run the nested stages (<c>action: keep</c>) or drop the entry (<c>action: drop</c>).
/// </summary>
public sealed class MatchStage(IReadOnlyList<LabelMatcher> matchers, ILineFilter? filter, Pipeline? nested, bool dropAction, string reason) : Stage("match")
{
    public override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        if (!Matches(entry))
        {
            next(entry);
            return;
        }
        if (dropAction)
        {
            Drop(entry, reason);
            return;
        }
        if (nested == null)
            next(entry);
        else
            nested.Process(entry, next);
    }

    public override void Tick(long nowNs, Action<PipelineEntry> next) => nested?.Tick(nowNs, next);

    public override void Flush(Action<PipelineEntry> next) => nested?.Flush(next);

    private bool Matches(PipelineEntry entry)
    {
        foreach (var m in matchers)
            if (!m.Matches(entry.Labels.GetValueOrDefault(m.Name) ?? ""))
                return false;
        return filter == null || filter.Matches(System.Text.Encoding.UTF8.GetBytes(entry.Line));
    }
}
