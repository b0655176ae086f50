using System.Text;

namespace Sawmill.Agent.Stages;

/// <summary>
/// A compiled list of stages. One instance per file tailer (stages keep per-stream state), used from one thread.
/// The chain of continuations is built once; only the final sink changes per call.
/// </summary>
public sealed class Pipeline
{
    private readonly Stage[] _stages;
    private readonly Action<PipelineEntry>[] _nexts;
    private Action<PipelineEntry> _sink = static _ => { };

    public Pipeline(IReadOnlyList<Stage> stages, TextWriter? inspect = null)
    {
        _stages = stages.ToArray();
        _nexts = new Action<PipelineEntry>[_stages.Length];
        for (var i = _stages.Length - 1; i >= 0; i--)
        {
            Action<PipelineEntry> after;
            if (i == _stages.Length - 1)
                after = e => _sink(e);
            else
            {
                var nextStage = _stages[i + 1];
                var nextNext = _nexts[i + 1];
                after = e => nextStage.Process(e, nextNext);
            }
            if (inspect != null)
            {
                var name = _stages[i].Name;
                var inner = after;
                after = e =>
                {
                    inspect.WriteLine(Describe(name, e));
                    inner(e);
                };
            }
            _nexts[i] = after;
        }
    }

    public IReadOnlyList<Stage> Stages => _stages;

    public void Process(PipelineEntry entry, Action<PipelineEntry> sink)
    {
        _sink = sink;
        if (_stages.Length == 0)
            sink(entry);
        else
            _stages[0].Process(entry, _nexts[0]);
    }

    public void Tick(long nowNs, Action<PipelineEntry> sink)
    {
        _sink = sink;
        for (var i = 0; i < _stages.Length; i++)
            _stages[i].Tick(nowNs, _nexts[i]);
    }

    public void Flush(Action<PipelineEntry> sink)
    {
        _sink = sink;
        for (var i = 0; i < _stages.Length; i++)
            _stages[i].Flush(_nexts[i]);
    }

    private static string Describe(string stage, PipelineEntry e)
    {
        var sb = new StringBuilder();
        sb.Append("[inspect: ").Append(stage).Append(" stage] labels=").Append(string.Join(", ", e.Labels.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}={x.Value}")))
            .Append(" ts=").Append(Sawmill.Core.TimeNs.ToRfc3339Nano(e.TimestampNs))
            .Append(" extracted={").Append(string.Join(", ", e.Extracted.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}: {PipelineEntry.ValueToString(x.Value)}"))).Append('}')
            .Append(" line=").Append(e.Line);
        if (e.Metadata is { Count: > 0 })
            sb.Append(" metadata={").Append(string.Join(", ", e.Metadata.Select(x => $"{x.Key}={x.Value}"))).Append('}');
        return sb.ToString();
    }
}
