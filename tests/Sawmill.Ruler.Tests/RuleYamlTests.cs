using Sawmill.Testing;
using Sawmill.Ruler;

namespace Sawmill.Ruler.Tests;

public sealed class RuleYamlTests
{
    [Fact]
    public void Course_rule_file_loads_as_written()
    {
        var groups = RuleYaml.ParseFile(RepositoryFiles.CourseAlertRules, "course");
        var g = Assert.Single(groups);
        Assert.Equal("log_alerts", g.Name);
        Assert.Equal("1m", g.Interval);
        Assert.Equal(["HighErrorRate", "DatabaseConnectionError", "LowConfidencePredictions", "MissingFeatures"], g.Rules!.Select(r => r.Alert!));
        Assert.NotNull(g.Rules);
        Assert.Equal("2m", g.Rules![0].For);
        Assert.Equal("Feature {{ $labels.feature }} missing in requests", g.Rules![3].Annotations!["description"]);
        Assert.Contains("sum by(feature)", g.Rules![3].Expr);
    }

    [Theory]
    [InlineData("groups:\n- name: a\n  rules:\n  - expr: count_over_time({a=\"b\"}[1m])\n", "one of 'record' or 'alert' must be set")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    record: b\n    expr: count_over_time({a=\"b\"}[1m])\n", "only one of 'record' and 'alert' must be set")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n", "field 'expr' must be set in rule")]
    [InlineData("groups:\n- name: a\n  rules:\n  - record: 'bad name'\n    expr: count_over_time({a=\"b\"}[1m])\n", "invalid recording rule name: bad name")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: count_over_time({a=\"b\"}[1m])\n    for: 5x\n", "not a valid duration string")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: count_over_time({a=\"b\"}[1m])\n- name: a\n  rules:\n  - alert: B\n    expr: count_over_time({a=\"b\"}[1m])\n", "groupname: \"a\" is repeated in the same file")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: count_over_time({a=\"b\"}[1m])\n    annotations:\n      x: '{{ if }}'\n", "template x")]
    [InlineData("groups:\n- name: a\n  rulez: []\n", "yaml: line")]
    [InlineData("groups:\n- name: ''\n  rules: []\n", "rule group name must not be empty")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: sum(rate({a=\"b\"}[1m]) > \n", "rule 1: could not parse expression: parse error at line 1")]
    [InlineData("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: '{a=\"b\"} |= \"x\"'\n", "could not parse expression: only sample expression supported")]
    [InlineData("groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n", "could not parse expression")]
    public void Invalid_files_are_rejected_with_a_reason(string yaml, string expected) =>
        Assert.Contains(expected, Assert.Throws<RuleValidationException>(() => RuleYaml.ParseFile(yaml, "f.yaml")).Message);

    [Fact]
    public void Store_writes_reads_and_deletes_groups_per_tenant_and_namespace()
    {
        var dir = Directory.CreateTempSubdirectory("sawmill-rulestore-").FullName;
        try
        {
            var store = new RuleStore(dir);
            store.SetGroup("team-a", "ns1", RuleYaml.ParseGroup("name: g1\nrules:\n- alert: A\n  expr: 'sum(count_over_time({a=\"b\"}[1m])) > 0'\n"));
            store.SetGroup("team-a", "ns1", RuleYaml.ParseGroup("name: g2\ninterval: 10s\nrules:\n- record: r:x\n  expr: 'sum(rate({a=\"b\"}[1m]))'\n"));
            Assert.True(File.Exists(Path.Combine(dir, "team-a", "ns1.yaml")));
            var loaded = store.Load("team-a");
            Assert.Equal(["g1", "g2"], loaded["ns1"].Select(g => g.Name!));
            Assert.Empty(store.Load("team-b"));
            var before = store.Fingerprint();
            Assert.True(store.Delete("team-a", "ns1", "g1"));
            Assert.NotEqual(before, store.Fingerprint());
            Assert.Equal(["g2"], store.Load("team-a")["ns1"].Select(g => g.Name!));
            Assert.False(store.Delete("team-a", "ns1", "nope"));
            Assert.True(store.Delete("team-a", "ns1", null));
            Assert.Empty(store.Load("team-a"));
            Assert.Throws<RuleValidationException>(() => RuleStore.CheckNamespace("../x"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
