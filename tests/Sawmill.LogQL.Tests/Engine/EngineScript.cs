using System.Globalization;
using Sawmill.Core;
using Sawmill.LogQL.Syntax;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The engine test language (in the spirit of promqltest). A script is a sequence of:
/// <code>
/// load                          # adds streams (cumulative until `clear`)
///   {app="a", env="prod"}       # a stream
///     0s   a line               # entry at 0s after the epoch
///     1m30s md{trace_id="x"} a line with structured metadata
///     @0s..5m/30s a line        # the same line every 30s from 0s to 5m inclusive
/// clear
/// eval instant at 5m QUERY      # expected: `{labels} value` lines, `scalar v`, or `(empty)`
/// eval range from 0s to 10m step 1m QUERY   # expected: `{labels} v0 v1 _ v3 …` (`_` = no point)
/// eval logs from 0s to 10m limit 100 backward QUERY  # expected: `{labels}` then indented `ts line`
/// eval_fail instant at 1m QUERY # expected: the exact error message on the next line
/// </code>
/// Comments start with <c>#</c> at the beginning of a line. Times are Go/Prometheus durations after the Unix epoch.
/// </summary>
internal sealed class EngineScript
{
    public sealed record Stream(Labels Labels, List<(long Ts, string Line, Label[]? Md)> Entries);

    public enum Kind { Instant, Range, Logs, Fail }

    public sealed record Case(string File, int Line, Kind Kind, string Query, long Start, long End, long Step, int Limit, Direction Direction,
        bool Instant, List<string> Expected, int DataVersion);

    public List<List<Stream>> DataVersions { get; } = [[]];
    public List<Case> Cases { get; } = [];

    public static long Time(string s) => s == "0" ? 0 : GoDuration.Parse(s);

    public static EngineScript Parse(string file, string[] lines)
    {
        var script = new EngineScript();
        var current = new List<Stream>();
        var i = 0;
        while (i < lines.Length)
        {
            var raw = lines[i];
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                i++;
                continue;
            }
            if (line == "clear")
            {
                current = [];
                script.DataVersions.Add(current);
                i++;
                continue;
            }
            if (line == "load")
            {
                current = current.Select(s => new Stream(s.Labels, [.. s.Entries])).ToList();
                script.DataVersions.Add(current);
                i++;
                Stream? stream = null;
                while (i < lines.Length && (lines[i].StartsWith(' ') || lines[i].Trim().Length == 0))
                {
                    var l = lines[i].Trim();
                    i++;
                    if (l.Length == 0 || l.StartsWith('#'))
                        continue;
                    if (l.StartsWith('{'))
                    {
                        var labels = ToLabels(l);
                        stream = current.FirstOrDefault(s => s.Labels.Equals(labels));
                        if (stream == null)
                            current.Add(stream = new Stream(labels, []));
                        continue;
                    }
                    if (stream == null)
                        throw new FormatException($"{file}:{i}: entry before stream");
                    var sp = l.IndexOf(' ');
                    var when = sp < 0 ? l : l[..sp];
                    var text = sp < 0 ? "" : l[(sp + 1)..];
                    Label[]? md = null;
                    if (text.StartsWith("md{", StringComparison.Ordinal))
                    {
                        var close = text.IndexOf('}');
                        md = ToLabels(text[2..(close + 1)]).ToArray();
                        text = text[(close + 1)..].TrimStart();
                    }
                    if (when.StartsWith('@'))
                    {
                        var dots = when.IndexOf("..", StringComparison.Ordinal);
                        var slash = when.IndexOf('/');
                        var from = Time(when[1..dots]);
                        var to = Time(when[(dots + 2)..slash]);
                        var every = Time(when[(slash + 1)..]);
                        for (var t = from; t <= to; t += every)
                            stream.Entries.Add((t, text, md));
                    }
                    else
                    {
                        stream.Entries.Add((Time(when), text, md));
                    }
                }
                continue;
            }
            if (line.StartsWith("eval", StringComparison.Ordinal))
            {
                var caseLine = i + 1;
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var fail = words[0] == "eval_fail";
                var p = 1;
                Kind kind;
                long start, end, step = 0;
                var limit = 100;
                var direction = Direction.Backward;
                var instant = false;
                string mode = words[p++];
                if (mode == "instant")
                {
                    p++; // at
                    start = end = Time(words[p++]);
                    kind = Kind.Instant;
                    instant = true;
                }
                else if (mode == "range")
                {
                    p++; // from
                    start = Time(words[p++]);
                    p++; // to
                    end = Time(words[p++]);
                    p++; // step
                    step = Time(words[p++]);
                    kind = Kind.Range;
                }
                else if (mode == "logs")
                {
                    p++;
                    start = Time(words[p++]);
                    p++;
                    end = Time(words[p++]);
                    while (p < words.Length && words[p] is "limit" or "forward" or "backward")
                    {
                        if (words[p] == "limit")
                        {
                            limit = int.Parse(words[p + 1], CultureInfo.InvariantCulture);
                            p += 2;
                        }
                        else
                        {
                            direction = words[p++] == "forward" ? Direction.Forward : Direction.Backward;
                        }
                    }
                    kind = Kind.Logs;
                }
                else
                {
                    throw new FormatException($"{file}:{caseLine}: unknown eval mode {mode}");
                }
                // the query is the rest of the line after the consumed words
                var idx = 0;
                for (var w = 0; w < p; w++)
                    idx = line.IndexOf(words[w], idx, StringComparison.Ordinal) + words[w].Length;
                var query = line[idx..].Trim();
                i++;
                var expected = new List<string>();
                while (i < lines.Length && lines[i].StartsWith(' ') && lines[i].Trim().Length > 0)
                {
                    expected.Add(lines[i].TrimEnd());
                    i++;
                }
                script.Cases.Add(new Case(file, caseLine, fail ? Kind.Fail : kind, query, start, end, step, limit, direction, instant, expected,
                    script.DataVersions.Count - 1));
                continue;
            }
            throw new FormatException($"{file}:{i + 1}: cannot read `{line}`");
        }
        return script;
    }

    public static Labels ToLabels(string selector)
    {
        var ms = LogQLParser.ParseSelector(selector);
        return Labels.From(ms.Select(m => new Label(m.Name, m.Value)));
    }
}
