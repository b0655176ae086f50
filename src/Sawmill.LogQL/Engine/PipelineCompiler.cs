using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.LogQL.Syntax;
using LogLabelFilter = Sawmill.LogQL.Log.LabelFilter;
using LogLineFilter = Sawmill.LogQL.Log.LineFilter;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Compiles AST pipeline stages into the stage objects of <c>Sawmill.LogQL.Log</c> (owned by the pipeline helper).
/// Every call builds new stage objects: <see cref="Pipeline"/> configures them for one query (needed labels).
/// Stage constructors' <see cref="ArgumentException"/>s become <see cref="ParseException"/>s (HTTP 400).
/// </summary>
internal static class PipelineCompiler
{
    public static List<Stage> CompileStages(IReadOnlyList<StageExpr> stages)
    {
        var list = new List<Stage>(stages.Count);
        foreach (var s in stages)
        {
            try
            {
                list.Add(Compile(s));
            }
            catch (ArgumentException ex)
            {
                throw Parser.Plain(ex.Message);
            }
        }
        return list;
    }

    private static Stage Compile(StageExpr stage) => stage switch
    {
        LineFilterExpr f => new LineFilterStage(CompileLineFilter(f)),
        JsonParserExpr { Extractions.Count: 0 } => new JsonParserStage(),
        JsonParserExpr j => new JsonExtractionParserStage(j.Extractions.Select(e => (e.Name, e.Expression)).ToArray()),
        LogfmtParserExpr l => new LogfmtParserStage(l.Strict, l.KeepEmpty, l.Extractions.Count == 0 ? null : l.Extractions.Select(e => (e.Name, e.Expression)).ToArray()),
        RegexpParserExpr r => new RegexpParserStage(r.Pattern),
        PatternParserExpr p => new PatternParserStage(p.Pattern),
        UnpackParserExpr => new UnpackParserStage(),
        Syntax.LabelFilterStage lf => new Log.LabelFilterStage(CompileLabelFilter(lf.Filter)),
        LineFormatExpr f => new LineFormatStage(f.Template),
        LabelFormatExpr f => new LabelFormatStage(f.Formats.Select(x => (x.Name, x.Value, x.Rename)).ToArray()),
        DropLabelsExpr d => new DropLabelsStage(
            d.Labels.Where(x => x.Matcher == null).Select(x => x.Name).ToArray(),
            d.Labels.Where(x => x.Matcher != null).Select(x => x.Matcher!).ToArray()),
        KeepLabelsExpr k => new KeepLabelsStage(
            k.Labels.Where(x => x.Matcher == null).Select(x => x.Name).ToArray(),
            k.Labels.Where(x => x.Matcher != null).Select(x => x.Matcher!).ToArray()),
        DecolorizeExpr => new DecolorizeStage(),
        _ => throw new InvalidOperationException("unknown stage " + stage.GetType().Name),
    };

    public static LogLineFilter CompileLineFilter(LineFilterExpr f)
    {
        var type = f.Op switch
        {
            LineFilterOp.Contains => LineFilterType.Contains,
            LineFilterOp.NotContains => LineFilterType.NotContains,
            LineFilterOp.Regex => LineFilterType.Regex,
            LineFilterOp.NotRegex => LineFilterType.NotRegex,
            LineFilterOp.Pattern => LineFilterType.Pattern,
            _ => LineFilterType.NotPattern,
        };
        var hasIp = false;
        foreach (var v in f.Values)
            hasIp |= v.IsIp;
        if (!hasIp)
            return LogLineFilter.Create(type, f.Values.Select(v => v.Value).ToArray());
        // Mixed string/ip alternatives: positive ops pass when any alternative matches, negative when none does.
        var positive = f.Values.Select(v => v.IsIp
            ? LogLineFilter.Ip(false, v.Value)
            : LogLineFilter.Create(PositiveOf(type), v.Value)).ToArray();
        var any = LogLineFilter.Or(positive);
        return f.IsNegative ? LogLineFilter.Not(any) : any;
    }

    private static LineFilterType PositiveOf(LineFilterType t) => t switch
    {
        LineFilterType.NotContains => LineFilterType.Contains,
        LineFilterType.NotRegex => LineFilterType.Regex,
        LineFilterType.NotPattern => LineFilterType.Pattern,
        _ => t,
    };

    public static LogLabelFilter CompileLabelFilter(LabelFilterExpr f) => f switch
    {
        Syntax.StringLabelFilter s => new Log.StringLabelFilter(s.Matcher),
        Syntax.NumericLabelFilter n => new Log.NumericLabelFilter(n.Name, Comparison(n.Op), n.Value),
        Syntax.DurationLabelFilter d => new Log.DurationLabelFilter(d.Name, Comparison(d.Op), d.ValueNs),
        Syntax.BytesLabelFilter b => new Log.BytesLabelFilter(b.Name, Comparison(b.Op), b.Bytes),
        Syntax.IpLabelFilter ip => new Log.IpLabelFilter(ip.Name, !ip.Equal, IpRange.Parse(ip.Pattern)),
        BinaryLabelFilter { And: true } b => LogLabelFilter.And(CompileLabelFilter(b.Left), CompileLabelFilter(b.Right)),
        BinaryLabelFilter b => LogLabelFilter.Or(CompileLabelFilter(b.Left), CompileLabelFilter(b.Right)),
        _ => throw new InvalidOperationException("unknown label filter " + f.GetType().Name),
    };

    private static LabelComparison Comparison(ComparisonOp op) => op switch
    {
        ComparisonOp.Eq => LabelComparison.Equal,
        ComparisonOp.Neq => LabelComparison.NotEqual,
        ComparisonOp.Gt => LabelComparison.Greater,
        ComparisonOp.Gte => LabelComparison.GreaterOrEqual,
        ComparisonOp.Lt => LabelComparison.Less,
        _ => LabelComparison.LessOrEqual,
    };

    public static Log.UnwrapConversion Conversion(Syntax.UnwrapConversion c) => c switch
    {
        Syntax.UnwrapConversion.Duration or Syntax.UnwrapConversion.DurationSeconds => Log.UnwrapConversion.Duration,
        Syntax.UnwrapConversion.Bytes => Log.UnwrapConversion.Bytes,
        _ => Log.UnwrapConversion.Float,
    };
}
