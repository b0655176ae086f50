namespace Sawmill.LogQL.Syntax;

/// <summary>LogQL spellings of operators and functions, both directions.</summary>
public static class LogQLNames
{
    private static readonly Dictionary<string, RangeOp> RangeOps = new(StringComparer.Ordinal)
    {
        ["count_over_time"] = RangeOp.CountOverTime,
        ["rate"] = RangeOp.Rate,
        ["rate_counter"] = RangeOp.RateCounter,
        ["bytes_over_time"] = RangeOp.BytesOverTime,
        ["bytes_rate"] = RangeOp.BytesRate,
        ["absent_over_time"] = RangeOp.AbsentOverTime,
        ["sum_over_time"] = RangeOp.SumOverTime,
        ["avg_over_time"] = RangeOp.AvgOverTime,
        ["max_over_time"] = RangeOp.MaxOverTime,
        ["min_over_time"] = RangeOp.MinOverTime,
        ["first_over_time"] = RangeOp.FirstOverTime,
        ["last_over_time"] = RangeOp.LastOverTime,
        ["stdvar_over_time"] = RangeOp.StdvarOverTime,
        ["stddev_over_time"] = RangeOp.StddevOverTime,
        ["quantile_over_time"] = RangeOp.QuantileOverTime,
    };

    private static readonly Dictionary<string, VectorOp> VectorOps = new(StringComparer.Ordinal)
    {
        ["sum"] = VectorOp.Sum,
        ["avg"] = VectorOp.Avg,
        ["min"] = VectorOp.Min,
        ["max"] = VectorOp.Max,
        ["count"] = VectorOp.Count,
        ["stddev"] = VectorOp.Stddev,
        ["stdvar"] = VectorOp.Stdvar,
        ["topk"] = VectorOp.TopK,
        ["bottomk"] = VectorOp.BottomK,
        ["sort"] = VectorOp.Sort,
        ["sort_desc"] = VectorOp.SortDesc,
        ["approx_topk"] = VectorOp.ApproxTopK,
    };

    private static readonly Dictionary<RangeOp, string> RangeNames = RangeOps.ToDictionary(kv => kv.Value, kv => kv.Key);
    private static readonly Dictionary<VectorOp, string> VectorNames = VectorOps.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Words that Loki's lexer turns into keyword tokens (error messages print them as themselves).</summary>
    internal static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "bool", "on", "ignoring", "group_left", "group_right", "offset", "or", "and", "unless",
        "json", "logfmt", "regexp", "pattern", "unpack", "line_format", "label_format", "unwrap", "drop", "keep",
        "decolorize", "ip", "duration", "duration_seconds", "bytes", "vector", "label_replace",
    };

    /// <summary>
    /// Words that are keywords only when a function call follows (<c>(</c>, or <c>by</c>/<c>without</c> and
    /// <c>(</c>), as Loki's lexer decides: elsewhere they are plain identifiers (<c>| json bytes</c>, <c>rate="1"</c>).
    /// </summary>
    internal static readonly HashSet<string> FunctionWords = new(StringComparer.Ordinal)
    {
        "vector", "label_replace", "bytes", "duration", "duration_seconds", "ip",
    };

    /// <summary>
    /// How Loki's syntax errors name a keyword token: its spelling for the words of its lexer's token table, the
    /// grammar's upper-case token name for function words (<c>RATE</c>, <c>COUNT_OVER_TIME</c>, <c>BYTES_CONV</c>).
    /// </summary>
    internal static string TokenName(string word) => word switch
    {
        "label_replace" or "ip" => word,
        "bytes" => "BYTES_CONV",
        "duration" => "DURATION_CONV",
        "duration_seconds" => "DURATION_SECONDS_CONV",
        _ when FunctionWords.Contains(word) => word.ToUpperInvariant(),
        _ => word,
    };

    static LogQLNames()
    {
        foreach (var k in RangeOps.Keys)
        {
            Keywords.Add(k);
            FunctionWords.Add(k);
        }
        foreach (var k in VectorOps.Keys)
        {
            Keywords.Add(k);
            FunctionWords.Add(k);
        }
    }

    public static bool TryRangeOp(string name, out RangeOp op) => RangeOps.TryGetValue(name, out op);

    public static bool TryVectorOp(string name, out VectorOp op) => VectorOps.TryGetValue(name, out op);

    public static string Name(RangeOp op) => RangeNames[op];

    public static string Name(VectorOp op) => VectorNames[op];

    public static string Name(BinaryOp op) => op switch
    {
        BinaryOp.Or => "or",
        BinaryOp.And => "and",
        BinaryOp.Unless => "unless",
        BinaryOp.Eq => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Gt => ">",
        BinaryOp.Gte => ">=",
        BinaryOp.Lt => "<",
        BinaryOp.Lte => "<=",
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        _ => "^",
    };

    public static string Name(ComparisonOp op) => op switch
    {
        ComparisonOp.Eq => "==",
        ComparisonOp.Neq => "!=",
        ComparisonOp.Gt => ">",
        ComparisonOp.Gte => ">=",
        ComparisonOp.Lt => "<",
        _ => "<=",
    };

    public static string Name(LineFilterOp op) => op switch
    {
        LineFilterOp.Contains => "|=",
        LineFilterOp.NotContains => "!=",
        LineFilterOp.Regex => "|~",
        LineFilterOp.NotRegex => "!~",
        LineFilterOp.Pattern => "|>",
        _ => "!>",
    };

    public static bool IsComparison(BinaryOp op) => op is >= BinaryOp.Eq and <= BinaryOp.Lte;

    public static bool IsSetOp(BinaryOp op) => op is BinaryOp.Or or BinaryOp.And or BinaryOp.Unless;
}
