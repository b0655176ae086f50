using Sawmill.Agent.Config;
using Sawmill.Agent.Relabel;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Tests.Relabel;

public sealed class RelabelerTests
{
    private static RelabelConfig Rule(string yaml)
    {
        var s = new YamlStream();
        s.Load(new StringReader(yaml));
        return RelabelConfig.Parse(new YamlMap((YamlMappingNode)s.Documents[0].RootNode, "relabel_configs[0]"));
    }

    private static Dictionary<string, string> L(params string[] kv)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < kv.Length; i += 2)
            d[kv[i]] = kv[i + 1];
        return d;
    }

    [Fact]
    public void Replace_copies_a_source_label_with_the_default_regex_and_replacement()
    {
        var labels = L("__meta_kubernetes_namespace", "prod");
        Assert.True(Relabeler.Apply([Rule("source_labels: [__meta_kubernetes_namespace]\ntarget_label: namespace")], labels));
        Assert.Equal("prod", labels["namespace"]);
    }

    [Fact]
    public void Replace_joins_sources_with_the_separator_and_expands_groups()
    {
        var labels = L("__meta_kubernetes_pod_uid", "abc", "__meta_kubernetes_pod_container_name", "web");
        Relabeler.Apply([Rule("source_labels: [__meta_kubernetes_pod_uid, __meta_kubernetes_pod_container_name]\nseparator: /\ntarget_label: __path__\nreplacement: /var/log/pods/*$1/*.log")], labels);
        Assert.Equal("/var/log/pods/*abc/web/*.log", labels["__path__"]);
    }

    [Fact]
    public void Replace_with_no_match_leaves_labels_and_an_empty_result_deletes_the_target()
    {
        var labels = L("a", "x", "t", "old");
        Relabeler.Apply([Rule("source_labels: [a]\nregex: 'y(.*)'\ntarget_label: t")], labels);
        Assert.Equal("old", labels["t"]);
        Relabeler.Apply([Rule("source_labels: [missing]\ntarget_label: t")], labels);
        Assert.False(labels.ContainsKey("t"));
    }

    [Fact]
    public void Regex_is_fully_anchored()
    {
        var labels = L("a", "foobar");
        Assert.False(Relabeler.Apply([Rule("source_labels: [a]\nregex: foo\naction: keep")], labels));
        Assert.True(Relabeler.Apply([Rule("source_labels: [a]\nregex: foo.*\naction: keep")], labels));
    }

    [Fact]
    public void Keep_and_drop_decide_on_the_joined_value()
    {
        Assert.True(Relabeler.Apply([Rule("source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\naction: keep\nregex: true")],
            L("__meta_kubernetes_pod_annotation_prometheus_io_scrape", "true")));
        Assert.False(Relabeler.Apply([Rule("source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\naction: keep\nregex: true")], L()));
        Assert.False(Relabeler.Apply([Rule("source_labels: [ns]\naction: drop\nregex: kube-.*")], L("ns", "kube-system")));
        Assert.True(Relabeler.Apply([Rule("source_labels: [ns]\naction: drop\nregex: kube-.*")], L("ns", "default")));
    }

    [Fact]
    public void Keepequal_and_dropequal_compare_with_the_target_label()
    {
        Assert.True(Relabeler.Apply([Rule("source_labels: [a]\ntarget_label: b\naction: keepequal")], L("a", "1", "b", "1")));
        Assert.False(Relabeler.Apply([Rule("source_labels: [a]\ntarget_label: b\naction: keepequal")], L("a", "1", "b", "2")));
        Assert.False(Relabeler.Apply([Rule("source_labels: [a]\ntarget_label: b\naction: dropequal")], L("a", "1", "b", "1")));
    }

    [Fact]
    public void Labelmap_copies_matching_names_with_the_replacement()
    {
        var labels = L("__meta_kubernetes_pod_label_app", "api", "__meta_kubernetes_pod_label_tier", "web", "other", "x");
        Relabeler.Apply([Rule("action: labelmap\nregex: __meta_kubernetes_pod_label_(.+)")], labels);
        Assert.Equal("api", labels["app"]);
        Assert.Equal("web", labels["tier"]);
        Assert.Equal("api", labels["__meta_kubernetes_pod_label_app"]);
    }

    [Fact]
    public void Labeldrop_and_labelkeep_filter_names()
    {
        var labels = L("a", "1", "b_tmp", "2", "c", "3");
        Relabeler.Apply([Rule("action: labeldrop\nregex: .*_tmp")], labels);
        Assert.Equal(["a", "c"], labels.Keys.Order().ToArray());
        Relabeler.Apply([Rule("action: labelkeep\nregex: a")], labels);
        Assert.Equal(["a"], labels.Keys.ToArray());
    }

    [Theory]
    [InlineData("foo", "6")]
    [InlineData("bar;baz", "2")]
    public void Hashmod_uses_the_low_8_bytes_of_md5_as_Prometheus_does(string value, string expected)
    {
        var parts = value.Split(';');
        var labels = parts.Length == 1 ? L("a", parts[0]) : L("a", parts[0], "b", parts[1]);
        var sources = parts.Length == 1 ? "[a]" : "[a, b]";
        Relabeler.Apply([Rule($"source_labels: {sources}\naction: hashmod\nmodulus: 10\ntarget_label: shard")], labels);
        Assert.Equal(expected, labels["shard"]);
    }

    [Fact]
    public void Lowercase_and_uppercase()
    {
        var labels = L("a", "MiXeD");
        Relabeler.Apply([Rule("source_labels: [a]\naction: lowercase\ntarget_label: lo"), Rule("source_labels: [a]\naction: uppercase\ntarget_label: up")], labels);
        Assert.Equal("mixed", labels["lo"]);
        Assert.Equal("MIXED", labels["up"]);
    }

    [Fact]
    public void Dollar_name_takes_the_longest_identifier_as_in_Go()
    {
        var labels = L("a", "x");
        Relabeler.Apply([Rule("source_labels: [a]\ntarget_label: t\nreplacement: $1_suffix")], labels);
        Assert.False(labels.ContainsKey("t")); // "$1_suffix" names group "1_suffix", which is empty
        Relabeler.Apply([Rule("source_labels: [a]\ntarget_label: t\nreplacement: ${1}_suffix")], labels);
        Assert.Equal("x_suffix", labels["t"]);
    }

    [Theory]
    [InlineData("action: bogus", "unknown relabel action")]
    [InlineData("action: replace\nsource_labels: [a]", "requires 'target_label'")]
    [InlineData("action: hashmod\ntarget_label: t", "non-zero modulus")]
    [InlineData("action: labeldrop\nregex: a\ntarget_label: t", "requires only 'regex'")]
    [InlineData("regex: '(?=x)'\ntarget_label: t", "error parsing regexp")]
    public void Invalid_rules_are_rejected_with_Prometheus_wording(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Rule(yaml));
        Assert.Contains(message, e.Message);
    }
}
