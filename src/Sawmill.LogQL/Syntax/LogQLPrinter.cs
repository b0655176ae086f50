using System.Globalization;
using System.Text;
using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Syntax;

/// <summary>
/// Prints an AST as canonical LogQL, in the shape Loki's <c>String()</c> methods use (binary operations fully
/// parenthesised, <c>sum by (a)(…)</c>, <c>vector(1.000000)</c>). Output always parses back to an equal AST.
/// </summary>
public static class LogQLPrinter
{
    public static string Print(Expr expr)
    {
        var sb = new StringBuilder();
        Write(sb, expr);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, Expr expr)
    {
        switch (expr)
        {
            case LogSelectorExpr l:
                WriteSelector(sb, l);
                break;
            case RangeAggregationExpr r:
                sb.Append(LogQLNames.Name(r.Op)).Append('(');
                if (r.Parameter is { } p)
                    sb.Append(GoFormat.Float(p)).Append(',');
                WriteRange(sb, r.Range);
                sb.Append(')');
                if (r.Grouping != null)
                    WriteGrouping(sb, r.Grouping);
                break;
            case VectorAggregationExpr v:
                sb.Append(LogQLNames.Name(v.Op));
                if (!v.Grouping.Singleton)
                    WriteGrouping(sb, v.Grouping);
                sb.Append('(');
                if (v.Op is VectorOp.TopK or VectorOp.BottomK or VectorOp.ApproxTopK)
                    sb.Append(v.Parameter.ToString(CultureInfo.InvariantCulture)).Append(',');
                Write(sb, v.Inner);
                sb.Append(')');
                break;
            case BinaryExpr b:
                sb.Append('(');
                Write(sb, b.Left);
                sb.Append(' ').Append(LogQLNames.Name(b.Op));
                if (b.ReturnBool)
                    sb.Append(" bool");
                if (b.Matching is { } m)
                {
                    sb.Append(m.On ? " on (" : " ignoring (").AppendJoin(",", m.Labels).Append(')');
                    if (m.Cardinality != MatchCardinality.OneToOne)
                    {
                        sb.Append(m.Cardinality == MatchCardinality.ManyToOne ? " group_left" : " group_right");
                        sb.Append(" (").AppendJoin(",", m.Include).Append(')');
                    }
                }
                sb.Append(' ');
                Write(sb, b.Right);
                sb.Append(')');
                break;
            case LiteralExpr lit:
                sb.Append(GoFormat.Float(lit.Value));
                break;
            case VectorExpr vec:
                sb.Append("vector(").Append(vec.Value.ToString("F6", CultureInfo.InvariantCulture)).Append(')');
                break;
            case LabelReplaceExpr lr:
                sb.Append("label_replace(");
                Write(sb, lr.Inner);
                sb.Append(',');
                GoQuote.Append(sb, lr.Destination);
                sb.Append(',');
                GoQuote.Append(sb, lr.Replacement);
                sb.Append(',');
                GoQuote.Append(sb, lr.Source);
                sb.Append(',');
                GoQuote.Append(sb, lr.Regex);
                sb.Append(')');
                break;
            default:
                throw new InvalidOperationException("unknown expression " + expr.GetType().Name);
        }
    }

    private static void WriteGrouping(StringBuilder sb, Grouping g) =>
        sb.Append(g.Without ? " without (" : " by (").AppendJoin(",", g.Labels).Append(')');

    private static void WriteRange(StringBuilder sb, LogRangeExpr r)
    {
        WriteSelector(sb, r.Selector);
        if (r.Unwrap is { } u)
        {
            sb.Append(" | unwrap ");
            switch (u.Conversion)
            {
                case UnwrapConversion.Duration: sb.Append("duration(").Append(u.Label).Append(')'); break;
                case UnwrapConversion.DurationSeconds: sb.Append("duration_seconds(").Append(u.Label).Append(')'); break;
                case UnwrapConversion.Bytes: sb.Append("bytes(").Append(u.Label).Append(')'); break;
                default: sb.Append(u.Label); break;
            }
            foreach (var f in u.PostFilters)
            {
                sb.Append(" | ");
                WriteLabelFilter(sb, f, top: true);
            }
        }
        sb.Append('[').Append(GoDuration.Format(r.RangeNs)).Append(']');
        if (r.OffsetNs != 0)
            sb.Append(" offset ").Append(GoFormat.Duration(r.OffsetNs));
    }

    public static string PrintMatchers(IReadOnlyList<LabelMatcher> matchers)
    {
        var sb = new StringBuilder();
        WriteMatchers(sb, matchers);
        return sb.ToString();
    }

    private static void WriteMatchers(StringBuilder sb, IReadOnlyList<LabelMatcher> matchers)
    {
        sb.Append('{');
        for (var i = 0; i < matchers.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            sb.Append(matchers[i].ToString());
        }
        sb.Append('}');
    }

    private static void WriteSelector(StringBuilder sb, LogSelectorExpr l)
    {
        WriteMatchers(sb, l.Matchers);
        foreach (var s in l.Stages)
        {
            sb.Append(' ');
            WriteStage(sb, s);
        }
    }

    public static string PrintStage(StageExpr stage)
    {
        var sb = new StringBuilder();
        WriteStage(sb, stage);
        return sb.ToString();
    }

    private static void WriteStage(StringBuilder sb, StageExpr stage)
    {
        switch (stage)
        {
            case LineFilterExpr f:
                sb.Append(LogQLNames.Name(f.Op)).Append(' ');
                for (var i = 0; i < f.Values.Count; i++)
                {
                    if (i > 0)
                        sb.Append(" or ");
                    var v = f.Values[i];
                    if (v.IsIp)
                    {
                        sb.Append("ip(");
                        GoQuote.Append(sb, v.Value);
                        sb.Append(')');
                    }
                    else
                    {
                        GoQuote.Append(sb, v.Value);
                    }
                }
                break;
            case JsonParserExpr j:
                sb.Append("| json");
                WriteExtractions(sb, j.Extractions);
                break;
            case LogfmtParserExpr lf:
                sb.Append("| logfmt");
                if (lf.Strict)
                    sb.Append(" --strict");
                if (lf.KeepEmpty)
                    sb.Append(" --keep-empty");
                WriteExtractions(sb, lf.Extractions);
                break;
            case RegexpParserExpr re:
                sb.Append("| regexp ");
                GoQuote.Append(sb, re.Pattern);
                break;
            case PatternParserExpr pp:
                sb.Append("| pattern ");
                GoQuote.Append(sb, pp.Pattern);
                break;
            case UnpackParserExpr:
                sb.Append("| unpack");
                break;
            case LabelFilterStageExpr lfs:
                sb.Append("| ");
                WriteLabelFilter(sb, lfs.Filter, top: true);
                break;
            case LineFormatExpr lfe:
                sb.Append("| line_format ");
                GoQuote.Append(sb, lfe.Template);
                break;
            case LabelFormatExpr lab:
                sb.Append("| label_format ");
                for (var i = 0; i < lab.Formats.Count; i++)
                {
                    if (i > 0)
                        sb.Append(',');
                    var f = lab.Formats[i];
                    sb.Append(f.Name).Append('=');
                    if (f.Rename)
                        sb.Append(f.Value);
                    else
                        GoQuote.Append(sb, f.Value);
                }
                break;
            case DropLabelsExpr d:
                sb.Append("| drop ");
                WriteSelections(sb, d.Labels);
                break;
            case KeepLabelsExpr k:
                sb.Append("| keep ");
                WriteSelections(sb, k.Labels);
                break;
            case DecolorizeExpr:
                sb.Append("| decolorize");
                break;
            default:
                throw new InvalidOperationException("unknown stage " + stage.GetType().Name);
        }
    }

    private static void WriteExtractions(StringBuilder sb, EquatableArray<LabelExtraction> list)
    {
        for (var i = 0; i < list.Count; i++)
        {
            sb.Append(i == 0 ? " " : ",");
            sb.Append(list[i].Name).Append('=');
            GoQuote.Append(sb, list[i].Expression);
        }
    }

    private static void WriteSelections(StringBuilder sb, EquatableArray<LabelSelection> list)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0)
                sb.Append(',');
            sb.Append(list[i].Matcher?.ToString() ?? list[i].Name);
        }
    }

    public static string PrintLabelFilter(LabelFilterExpr f)
    {
        var sb = new StringBuilder();
        WriteLabelFilter(sb, f, top: true);
        return sb.ToString();
    }

    private static void WriteLabelFilter(StringBuilder sb, LabelFilterExpr f, bool top)
    {
        switch (f)
        {
            case StringLabelFilterExpr s:
                sb.Append(s.Matcher.ToString());
                break;
            case NumericLabelFilterExpr n:
                sb.Append(n.Name).Append(LogQLNames.Name(n.Op)).Append(GoFormat.Float(n.Value));
                break;
            case DurationLabelFilterExpr d:
                sb.Append(d.Name).Append(LogQLNames.Name(d.Op)).Append(GoFormat.Duration(d.ValueNs));
                break;
            case BytesLabelFilterExpr b:
                sb.Append(b.Name).Append(LogQLNames.Name(b.Op)).Append(GoFormat.Bytes(b.Bytes));
                break;
            case IpLabelFilterExpr ip:
                sb.Append(ip.Name).Append(ip.Equal ? "=" : "!=").Append("ip(");
                GoQuote.Append(sb, ip.Pattern);
                sb.Append(')');
                break;
            case BinaryLabelFilterExpr bin:
                // Always parenthesised so that and/or nesting survives a round trip.
                sb.Append("( ");
                WriteLabelFilter(sb, bin.Left, top: false);
                sb.Append(bin.And ? " , " : " or ");
                WriteLabelFilter(sb, bin.Right, top: false);
                sb.Append(" )");
                break;
            default:
                throw new InvalidOperationException("unknown label filter " + f.GetType().Name);
        }
    }
}
