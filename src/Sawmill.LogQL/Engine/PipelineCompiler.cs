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
        Syntax.LabelFilterStageExpr lf => new Log.LabelFilterStage(CompileLabelFilter(lf.Filter)),
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
        var type = f.Op;
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

    private static LineFilterOp PositiveOf(LineFilterOp t) => t switch
    {
        LineFilterOp.NotContains => LineFilterOp.Contains,
        LineFilterOp.NotRegex => LineFilterOp.Regex,
        LineFilterOp.NotPattern => LineFilterOp.Pattern,
        _ => t,
    };

    public static LogLabelFilter CompileLabelFilter(LabelFilterExpr f) => f switch
    {
        Syntax.StringLabelFilterExpr s => new Log.StringLabelFilter(s.Matcher),
        Syntax.NumericLabelFilterExpr n => new Log.NumericLabelFilter(n.Name, n.Op, n.Value),
        Syntax.DurationLabelFilterExpr d => new Log.DurationLabelFilter(d.Name, d.Op, d.ValueNs),
        Syntax.BytesLabelFilterExpr b => new Log.BytesLabelFilter(b.Name, b.Op, b.Bytes),
        Syntax.IpLabelFilterExpr ip => new Log.IpLabelFilter(ip.Name, !ip.Equal, IpRange.Parse(ip.Pattern)),
        BinaryLabelFilterExpr { And: true } b => LogLabelFilter.And(CompileLabelFilter(b.Left), CompileLabelFilter(b.Right)),
        BinaryLabelFilterExpr b => LogLabelFilter.Or(CompileLabelFilter(b.Left), CompileLabelFilter(b.Right)),
        _ => throw new InvalidOperationException("unknown label filter " + f.GetType().Name),
    };

}
