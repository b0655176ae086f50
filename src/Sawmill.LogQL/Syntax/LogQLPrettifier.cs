using System.Globalization;
using System.Text;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Loki's query formatter (its <c>/format_query</c> answer): an expression whose one-line form (Loki's String())
/// is at most 100 bytes stays on one line; a longer one is split, each level indented by two spaces, pipeline stages
/// one per line (consecutive line filters together while they fit), aggregation arguments and binary operands on
/// their own lines.
/// </summary>
public static class LogQLPrettifier
{
    private const int MaxCharsPerLine = 100;

    public static string Prettify(Expr expr) => Pretty(expr, 0);

    private static string Indent(int level) => new(' ', 2 * level);

    private static string Text(Expr e) => LogQLPrinter.PrintAsLoki(e);

    private static bool NeedSplit(string text) => Encoding.UTF8.GetByteCount(text) > MaxCharsPerLine;

    private static string Pretty(Expr e, int level)
    {
        var text = Text(e);
        if (!NeedSplit(text))
            return Indent(level) + text;
        switch (e)
        {
            case LogSelectorExpr l:
                return PrettySelector(l, level);
            case RangeAggregationExpr r:
            {
                var sb = new StringBuilder(Indent(level)).Append(LogQLNames.Name(r.Op)).Append("(\n");
                if (r.Parameter is { } p)
                    sb.Append(Indent(level + 1)).Append(GoFormat.Float(p)).Append(",\n");
                sb.Append(PrettyRange(r.Range, level + 1)).Append('\n').Append(Indent(level)).Append(')');
                if (r.Grouping != null)
                    sb.Append(PrettyGrouping(r.Grouping));
                return sb.ToString();
            }
            case VectorAggregationExpr v:
            {
                var sb = new StringBuilder(Indent(level)).Append(LogQLNames.Name(v.Op));
                sb.Append(PrettyGrouping(v.Grouping)).Append("(\n");
                if (v.Op is VectorOp.TopK or VectorOp.BottomK or VectorOp.ApproxTopK)
                    sb.Append(Indent(level + 1)).Append(v.Parameter.ToString(CultureInfo.InvariantCulture)).Append(",\n");
                sb.Append(Pretty(v.Inner, level + 1)).Append('\n').Append(Indent(level)).Append(')');
                return sb.ToString();
            }
            case BinaryExpr b:
                return Pretty(b.Left, level + 1) + "\n" + Indent(level) + BinaryOp(b) + "\n" + Pretty(b.Right, level + 1);
            case LabelReplaceExpr lr:
            {
                var sb = new StringBuilder(Indent(level)).Append("label_replace(\n");
                sb.Append(Pretty(lr.Inner, level + 1)).Append(",\n");
                foreach (var arg in new[] { lr.Destination, lr.Replacement, lr.Source })
                    sb.Append(Indent(level + 1)).Append(GoQuote.Quote(arg)).Append(",\n");
                sb.Append(Indent(level + 1)).Append(GoQuote.Quote(lr.Regex)).Append('\n').Append(Indent(level)).Append(')');
                return sb.ToString();
            }
            default:
                return Indent(level) + text;
        }
    }

    /// <summary>A selector with its pipeline: the matchers, then each stage (line filters that follow each other as one).</summary>
    private static string PrettySelector(LogSelectorExpr l, int level)
    {
        var text = Text(l);
        if (!NeedSplit(text) || l.Stages.Count == 0)
            return Indent(level) + text;
        var sb = new StringBuilder(Indent(level)).Append(LogQLPrinter.PrintMatchers(l.Matchers)).Append('\n');
        var groups = new List<List<StageExpr>>();
        foreach (var s in l.Stages)
        {
            if (s is LineFilterExpr && groups.Count > 0 && groups[^1][0] is LineFilterExpr)
                groups[^1].Add(s);
            else
                groups.Add([s]);
        }
        for (var i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            var groupText = string.Join(" ", group.Select(LogQLPrinter.PrintStageAsLoki));
            if (group[0] is DecolorizeExpr)
                sb.Append(groupText); // Loki prints decolorize without its indentation
            else if (group[0] is LineFilterExpr && NeedSplit(groupText))
                sb.AppendJoin('\n', group.Select(f => Indent(level + 1) + LogQLPrinter.PrintStageAsLoki(f)));
            else
                sb.Append(Indent(level + 1)).Append(groupText);
            if (i < groups.Count - 1)
                sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string PrettyRange(LogRangeExpr r, int level)
    {
        var sb = new StringBuilder(PrettySelector(r.Selector, level));
        if (r.Unwrap is { } u)
        {
            sb.Append('\n').Append(Indent(level + 1)).Append("| unwrap ");
            sb.Append(u.Conversion switch
            {
                UnwrapConversion.Duration => $"duration({u.Label})",
                UnwrapConversion.DurationSeconds => $"duration_seconds({u.Label})",
                UnwrapConversion.Bytes => $"bytes({u.Label})",
                _ => u.Label,
            });
            foreach (var f in u.PostFilters)
                sb.Append('\n').Append(Indent(level + 1)).Append("| ").Append(LogQLPrinter.PrintLabelFilterAsLoki(f));
        }
        sb.Append(" [").Append(GoDuration.Format(r.RangeNs)).Append(']');
        if (r.OffsetNs != 0)
            sb.Append(" offset ").Append(GoDuration.Format(r.OffsetNs));
        return sb.ToString();
    }

    /// <summary>Loki's Grouping.Pretty: <c> by (a, b)</c>, <c> without (a)</c>, <c> without</c>; nothing for <c>by ()</c>.</summary>
    private static string PrettyGrouping(Grouping g)
    {
        var s = g.Without ? " without" : g.Labels.Count > 0 ? " by" : "";
        if (g.Labels.Count > 0)
            s += " (" + string.Join(", ", g.Labels) + ")";
        return s;
    }

    private static string BinaryOp(BinaryExpr b)
    {
        var op = LogQLNames.Name(b.Op);
        if (b.ReturnBool)
            op += " bool";
        if (b.Matching is { } m && m.Labels.Count > 0)
        {
            var group = m.Cardinality switch
            {
                MatchCardinality.ManyToOne => "group_left",
                MatchCardinality.OneToMany => "group_right",
                _ => "",
            };
            if (m.Include.Count > 0)
                group = $"{group} ({string.Join(", ", m.Include)})";
            op = $"{op} {(m.On ? "on" : "ignoring")} ({string.Join(", ", m.Labels)}) {group}";
        }
        return op;
    }
}
