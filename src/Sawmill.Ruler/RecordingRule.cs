using Sawmill.Core;
using Sawmill.LogQL.Engine;

namespace Sawmill.Ruler;

/// <summary>
/// A recording rule: each sample of the result becomes a sample of series <c>record</c> (sample labels, then the
/// rule's labels, then <c>__name__</c>), stamped with the evaluation time; as Prometheus's <c>RecordingRule</c>.
/// </summary>
public sealed class RecordingRule(string name, string query, IReadOnlyDictionary<string, string> labels) : Rule(name, query, labels)
{
    public List<Sample> Eval(long timestampMs, IReadOnlyList<Sample> samples, int limit)
    {
        var result = new List<Sample>(samples.Count);
        var seen = new HashSet<Labels>();
        foreach (var s in samples)
        {
            var lb = s.Labels.ToBuilder();
            lb.Set("__name__", Name);
            foreach (var (k, v) in Labels)
            {
                if (v.Length == 0)
                    lb.Delete(k);
                else
                    lb.Set(k, v);
            }
            var labels = lb.Build();
            if (!seen.Add(labels))
                throw new RuleEvaluationException("vector contains metrics with the same labelset after applying rule labels");
            result.Add(new Sample(labels, timestampMs, s.Value));
        }
        if (limit > 0 && result.Count > limit)
            throw new RuleEvaluationException($"exceeded limit of {limit} with {result.Count} series");
        return result;
    }
}
