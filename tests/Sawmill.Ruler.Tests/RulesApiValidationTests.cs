using System.Net;
using System.Text;
using Sawmill.Testing;

namespace Sawmill.Ruler.Tests;

/// <summary>
/// Writes through the rules API (Loki's and Grafana's paths) against a real server: each kind of invalid group is a
/// 400 whose text names the problem, and nothing is stored.
/// </summary>
public sealed class RulesApiValidationTests
{
    private const string Valid = "name: keep\ninterval: 1m\nrules:\n  - alert: A\n    expr: sum(count_over_time({app=\"x\"}[1m])) > 0\n";

    public static readonly (string Body, string Expected)[] Invalid =
    [
        ("name: g\nrules:\n  - alert: A\n    expr: [unclosed\n", "yaml: line"),
        ("name: g\nrules:\n  - alert: A\n    expr: sum(rate({app=\"x\"}[1m]) >\n", "rule 1: could not parse expression: parse error at line 1"),
        ("name: g\nrules:\n  - alert: A\n    expr: '{app=\"x\"} |= \"error\"'\n", "could not parse expression: only sample expression supported"),
        ("name: g\nrules:\n  - alert: A\n    expr: count_over_time({app=~\".*\"}[1m])\n", "could not parse expression: parse error : queries require at least one regexp or equality matcher"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: count_over_time({app=\"x\"}[1m])\n  - name: g\n    rules:\n      - alert: B\n        expr: count_over_time({app=\"x\"}[1m])\n",
            "groupname: \"g\" is repeated in the same file"),
        ("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: count_over_time({app=\"x\"}[1m])\n", "must be a single rule group"),
        ("name: g\nrules:\n  - expr: count_over_time({app=\"x\"}[1m])\n", "rule 1: one of 'record' or 'alert' must be set"),
        ("name: g\nrules:\n  - alert: A\n    expr: count_over_time({app=\"x\"}[1m])\n    for: 5 minutes\n", "group \"g\", rule 1, for: not a valid duration string: \"5 minutes\""),
        ("name: g\nrules:\n  - alert: A\n    expr: count_over_time({app=\"x\"}[1m])\n    for: -1m\n", "for: not a valid duration string"),
        ("name: g\ninterval: often\nrules:\n  - alert: A\n    expr: count_over_time({app=\"x\"}[1m])\n", "interval: not a valid duration string"),
        ("name: g\nrules:\n  - alert: A\n    expr: count_over_time({app=\"x\"}[1m])\n  - record: r\n", "rule 2: field 'expr' must be set in rule"),
        ("name: ''\nrules:\n  - alert: A\n    expr: count_over_time({app=\"x\"}[1m])\n", "rule group name must not be empty"),
        ("", "rule group is empty"),
    ];

    [Fact]
    public async Task Invalid_groups_are_400_with_the_reason_and_nothing_is_stored()
    {
        await using var sawmill = await SawmillProcess.StartAsync();
        using var client = sawmill.CreateClient();
        using (var r = await client.PostAsync("/loki/api/v1/rules/team", new StringContent(Valid, Encoding.UTF8, "application/yaml")))
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var before = await client.GetStringAsync("/loki/api/v1/rules");

        foreach (var (body, expected) in Invalid)
            foreach (var path in new[] { "/loki/api/v1/rules/team", "/api/prom/rules/other" })
            {
                using var r = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/yaml"));
                var text = await r.Content.ReadAsStringAsync();
                Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)r.StatusCode} {text}");
                Assert.True(text.Contains(expected, StringComparison.Ordinal), $"{path} {body}: expected '{expected}' in '{text}'");
            }

        // Nothing of the rejected bodies was stored: the one valid group is all there is, in one namespace.
        Assert.Equal(before, await client.GetStringAsync("/loki/api/v1/rules"));
        using (var r = await client.GetAsync("/api/prom/rules/other"))
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        var files = Directory.GetFiles(Path.Combine(sawmill.DataDir, "rules"), "*", SearchOption.AllDirectories);
        Assert.Equal("team.yaml", Path.GetFileName(Assert.Single(files)));
    }
}
