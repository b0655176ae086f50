using System.Text.RegularExpressions;
using Sawmill.Core;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using Sawmill.GoCompat;

namespace Sawmill.Ruler;

/// <summary>
/// Reads and writes rule files and groups, and validates them as Prometheus's <c>rulefmt</c> does (unique group
/// names, exactly one of <c>alert</c>/<c>record</c>, an <c>expr</c>, valid label names, <c>for</c> and annotations only
/// on alerting rules). Unknown keys are rejected, like <c>rulefmt</c>'s strict decoding.
/// </summary>
public static partial class RuleYaml
{
    private static readonly IDeserializer Reader = new DeserializerBuilder().Build();

    private static readonly ISerializer Writer = new SerializerBuilder()
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections)
        .Build();

    public static List<RuleGroupDefinition> ParseFile(string yaml, string source)
    {
        var file = Deserialize<RuleFileDefinition>(yaml, source);
        var groups = file?.Groups ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups)
        {
            if (g == null)
                throw new RuleValidationException((source.Length > 0 ? source + ": " : "") + "invalid rules config: a rule group is empty");
            Validate(g, source);
            if (!seen.Add(g.Name!))
                throw new RuleValidationException((source.Length > 0 ? source + ": " : "") + $"groupname: \"{g.Name}\" is repeated in the same file");
        }
        return groups;
    }

    /// <summary>
    /// Parses the body of a rules API write: one group (<c>name</c>, <c>interval</c>, <c>rules</c>), as Loki's
    /// <c>POST /loki/api/v1/rules/{namespace}</c> takes it. A whole file (<c>groups:</c>) is refused with a reason,
    /// after its own checks (so a repeated group name in it is reported as such).
    /// </summary>
    public static RuleGroupDefinition ParseGroup(string yaml)
    {
        if (FileBody().IsMatch(yaml))
        {
            ParseFile(yaml, "");
            throw new RuleValidationException("invalid rules config: the request body must be a single rule group (name, interval, rules), not a file with 'groups'");
        }
        var g = Deserialize<RuleGroupDefinition>(yaml, "");
        if (g == null)
            throw new RuleValidationException("invalid rules config: rule group is empty");
        Validate(g, "");
        return g;
    }

    /// <summary>Reads YAML into <typeparamref name="T"/>; syntax and shape errors as Prometheus words them (<c>yaml: line N: …</c>).</summary>
    private static T? Deserialize<T>(string yaml, string source)
    {
        try
        {
            return Reader.Deserialize<T>(yaml);
        }
        catch (YamlException e)
        {
            throw new RuleValidationException(source.Length > 0 ? $"{source}: {Flatten(e)}" : Flatten(e));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these instead of a YamlException on some malformed input (found by fuzzing): plain
            // scalars its scanner cannot finish, events its node loader does not expect.
            throw new RuleValidationException("invalid YAML: " + e.Message);
        }
    }

    private static string Flatten(YamlException e)
    {
        var msg = e.InnerException != null ? e.Message + ": " + e.InnerException.Message : e.Message;
        return $"yaml: line {e.Start.Line}: {msg}";
    }

    public static void Validate(RuleGroupDefinition g, string source)
    {
        var prefix = source.Length > 0 ? source + ": " : "";
        if (string.IsNullOrWhiteSpace(g.Name))
            throw new RuleValidationException(prefix + "invalid rules config: rule group name must not be empty");
        var where = prefix + $"group \"{g.Name}\"";
        if (g.Interval != null)
            ParseDuration(g.Interval, where + ", interval");
        if (g.Limit is < 0)
            throw new RuleValidationException(where + ": limit must not be negative");
        if (g.Rules == null || g.Rules.Count == 0)
            throw new RuleValidationException(where + ": invalid rules config: rule group must have at least one rule");
        for (var i = 0; i < g.Rules.Count; i++)
        {
            var r = g.Rules[i];
            var at = $"{where}, rule {i + 1}";
            if (r == null)
                throw new RuleValidationException($"{at}: the rule is empty");
            if (r.Record != null && r.Alert != null)
                throw new RuleValidationException($"{at}: only one of 'record' and 'alert' must be set");
            if (string.IsNullOrEmpty(r.Record) && string.IsNullOrEmpty(r.Alert))
                throw new RuleValidationException($"{at}: one of 'record' or 'alert' must be set");
            if (string.IsNullOrWhiteSpace(r.Expr))
                throw new RuleValidationException($"{at}: field 'expr' must be set in rule");
            CheckExpr(r.Expr, at);
            if (r.Record != null)
            {
                if (!MetricName().IsMatch(r.Record))
                    throw new RuleValidationException($"{at}: invalid recording rule name: {r.Record}");
                if (r.Annotations is { Count: > 0 })
                    throw new RuleValidationException($"{at}: invalid field 'annotations' in recording rule");
                if (r.For != null)
                    throw new RuleValidationException($"{at}: invalid field 'for' in recording rule");
                if (r.KeepFiringFor != null)
                    throw new RuleValidationException($"{at}: invalid field 'keep_firing_for' in recording rule");
            }
            if (r.For != null)
                ParseDuration(r.For, at + ", for");
            if (r.KeepFiringFor != null)
                ParseDuration(r.KeepFiringFor, at + ", keep_firing_for");
            foreach (var k in (r.Labels?.Keys ?? Enumerable.Empty<string>()).Concat(r.Annotations?.Keys ?? Enumerable.Empty<string>()))
            {
                if (!LabelName().IsMatch(k))
                    throw new RuleValidationException($"{at}: invalid label name: {k}");
            }
            if (r.Labels?.ContainsKey("__name__") == true)
                throw new RuleValidationException($"{at}: invalid label name: __name__");
            if (r.Alert != null)
            {
                foreach (var (k, v) in (r.Labels ?? []).Concat(r.Annotations ?? []))
                {
                    try
                    {
                        Templates.TemplateData.Parse(v);
                    }
                    catch (ArgumentException e)
                    {
                        throw new RuleValidationException($"{at}: template {k}: {e.Message}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// A rule's expression must be a LogQL metric query (Loki's ruler evaluates instant queries whose result is a
    /// vector); a log query or a syntax error is reported with the parser's position, as Loki's
    /// <c>could not parse expression</c>.
    /// </summary>
    private static void CheckExpr(string expr, string at)
    {
        try
        {
            Sawmill.LogQL.Syntax.LogQLParser.ParseSampleExpr(expr);
        }
        catch (Sawmill.LogQL.Syntax.ParseException e)
        {
            throw new RuleValidationException($"{at}: could not parse expression: {e.Message}");
        }
    }

    public static TimeSpan ParseDuration(string text, string what)
    {
        if (!GoDuration.TryParse(text.Trim(), out var ns) || ns < 0)
            throw new RuleValidationException($"{what}: not a valid duration string: \"{text}\"");
        return TimeSpan.FromTicks(ns / 100);
    }

    public static string ToYaml(object value) => Writer.Serialize(value);

    [GeneratedRegex(@"^groups\s*:", RegexOptions.Multiline)]
    private static partial Regex FileBody();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
