using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sawmill.GoCompat;

namespace Sawmill.Server.Api;

/// <summary>
/// Loki's <c>X-Query-Tags</c> header: clients label their queries with it (Grafana sends <c>Source=logvolhist</c>,
/// <c>Source=logsample</c> or <c>Source=datasample</c> for its supporting queries, logcli <c>--query-tags</c>). As in
/// Loki, characters outside <c>[a-zA-Z0-9-=.@, ]</c> are replaced by <c>_</c> (the value ends up in log lines), and each
/// <c>key=value</c> pair is logged with its key lower-cased in the query log line (so <c>source=logvolhist</c> can be
/// grepped, as in Loki's <c>metrics.go</c> line).
/// </summary>
public static class ExploreQueryTags
{
    public const string Header = "X-Query-Tags";

    /// <summary>The sanitized header value, empty when absent.</summary>
    public static string Sanitize(string raw)
    {
        if (string.IsNullOrEmpty(raw))
            return "";
        var sb = new StringBuilder(raw.Length);
        var inBad = false;
        foreach (var c in raw)
        {
            var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '=' or '.' or '@' or ',' or ' ';
            if (ok)
            {
                sb.Append(c);
                inBad = false;
            }
            else if (!inBad)
            {
                // One replacement per run of disallowed characters, as Loki's regexp `[^…]+` does.
                sb.Append('_');
                inBad = true;
            }
        }
        return sb.ToString();
    }

    /// <summary>The tags as (lower-cased key, value) pairs; parts without '=' are skipped.</summary>
    public static List<(string Key, string Value)> Parse(string sanitized)
    {
        var list = new List<(string, string)>();
        foreach (var part in sanitized.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            list.Add((part[..eq].Trim().ToLowerInvariant(), part[(eq + 1)..].Trim()));
        }
        return list;
    }

    /// <summary>Logs one line per executed query with its tags, range type, length, status and returned lines.</summary>
    public static void LogQuery(ILogger logger, HttpRequest request, string tenant, string query, string rangeType, long lengthNs, long stepNs,
        TimeSpan duration, int status, int limit, long returnedLines, long totalBytes)
    {
        if (!logger.IsEnabled(LogLevel.Information))
            return;
        var tags = Sanitize(request.Headers[Header].ToString());
        var pairs = Parse(tags);
        var source = pairs.Find(p => p.Key == "source").Value ?? "";
        var extra = new StringBuilder();
        foreach (var (k, v) in pairs)
        {
            if (k == "source")
                continue;
            extra.Append(k).Append('=').Append(v).Append(' ');
        }
        logger.LogInformation("executing query org_id={Tenant} query={Query} range_type={RangeType} length={Length} step={Step} duration={Duration} status={Status} limit={Limit} returned_lines={Returned} total_bytes={Bytes} query_tags={Tags} source={Source} {Extra}",
            tenant, query, rangeType, GoDuration.Format(lengthNs), GoDuration.Format(stepNs), GoDuration.Format(duration.Ticks * 100),
            status, limit, returnedLines, totalBytes, tags, source, extra.ToString().TrimEnd());
    }
}
