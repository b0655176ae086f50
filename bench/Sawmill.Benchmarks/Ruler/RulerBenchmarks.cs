using BenchmarkDotNet.Attributes;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Ruler;
using Sawmill.Ruler.Templates;
using Sawmill.GoCompat;

namespace Sawmill.Benchmarks.Ruler;

/// <summary>
/// The ruler's per-evaluation costs outside the query: applying a 1,000-series result to an alerting rule (label and
/// annotation templates per series), one annotation template, and encoding 1,000 recorded samples for remote write.
/// </summary>
[MemoryDiagnoser]
public class RulerBenchmarks
{
    private readonly List<Sample> _samples = [];
    private readonly Sawmill.GoCompat.GoTemplate _template = TemplateData.Parse("Feature {{ $labels.feature }}: {{ $value | humanize }} req/s ({{ printf \"%.2f\" $value }})");
    private readonly TemplateData _data = new(new Dictionary<string, string> { ["feature"] = "age" }, new Dictionary<string, string>(), "", 12.345);
    private AlertingRule _rule = null!;
    private DateTime _ts = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < 1000; i++)
            _samples.Add(new Sample(Labels.From(("app", "churn-api"), ("feature", "f" + i)), 0, i * 0.5));
        _rule = new AlertingRule("MissingFeatures", "q", TimeSpan.FromMinutes(2), TimeSpan.Zero,
            new Dictionary<string, string> { ["severity"] = "warning" },
            new Dictionary<string, string> { ["description"] = "Feature {{ $labels.feature }} missing in requests", ["value"] = "{{ $value | humanize }}" });
    }

    [Benchmark]
    public int AlertingRuleEval1000Series()
    {
        _ts = _ts.AddMinutes(1);
        _rule.Eval(_ts, _samples, 0, RuleContext.Default);
        return _rule.AlertsToSend(_ts, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)).Count;
    }

    [Benchmark]
    public string ExpandAnnotation() => _data.Expand(_template, TemplateFunctions.Default);

    [Benchmark]
    public int EncodeRemoteWrite1000Samples() => RemoteWriteEncoder.Encode(_samples).Length;
}
