using Sawmill.Agent.Config;

namespace Sawmill.Agent.Tests.Stages;

public sealed class StageTests
{
    [Fact]
    public void Json_extracts_paths_and_labels_promote_them()
    {
        var h = new StageHarness("""
              - json:
                  expressions:
                    level:
                    user: ctx.user.name
                    first: items[0]
                    dotted: '"a.b"'
              - labels:
                  level:
            """);
        var e = Assert.Single(h.Run("""{"level":"warn","ctx":{"user":{"name":"ann"}},"items":[7,8],"a.b":"q"}"""));
        Assert.Equal("warn", e.Labels["level"]);
        Assert.Equal("ann", e.Extracted["user"]);
        Assert.Equal("7", e.ExtractedString("first"));
        Assert.Equal("q", e.Extracted["dotted"]);
    }

    [Fact]
    public void Json_drop_malformed_drops_and_counts()
    {
        var h = new StageHarness("""
              - json:
                  expressions: { a: }
                  drop_malformed: true
            """);
        Assert.Empty(h.Run("not json"));
        Assert.Contains("logentry_dropped_lines_total{reason=\"json_malformed\"} 1", h.Metrics.Expose());
        Assert.Equal(9, h.Positions.Get("/test.log")); // the dropped line's position may advance
    }

    [Fact]
    public void Logfmt_regex_output_and_template()
    {
        var h = new StageHarness("""
              - logfmt:
                  mapping:
                    lvl: level
                    msg:
              - regex:
                  expression: 'user=(?P<user>\w+)'
              - template:
                  source: lvl
                  template: '{{ ToUpper .Value }}'
              - output:
                  source: msg
            """);
        var e = Assert.Single(h.Run("level=info user=bob msg=\"hello world\""));
        Assert.Equal("INFO", e.Extracted["lvl"]);
        Assert.Equal("bob", e.Extracted["user"]);
        Assert.Equal("hello world", e.Line);
    }

    [Fact]
    public void Replace_rewrites_capture_groups_in_the_line()
    {
        var h = new StageHarness("""
              - replace:
                  expression: 'password=(\S+)'
                  replace: '****'
            """);
        Assert.Equal("login user=a password=**** ok", Assert.Single(h.Run("login user=a password=hunter2 ok")).Line);
    }

    [Fact]
    public void Template_supports_conditionals_pipelines_and_functions()
    {
        var h = new StageHarness("""
              - logfmt:
                  mapping: { status: }
              - template:
                  source: class
                  template: '{{ if eq .status "500" }}error{{ else }}{{ TrimPrefix .status "2" | printf "ok-%s" }}{{ end }}'
            """);
        Assert.Equal("error", h.Run("status=500")[0].Extracted["class"]);
        Assert.Equal("ok-00", h.Run("status=200")[0].Extracted["class"]);
    }

    [Fact]
    public void Template_printf_hashes_and_empty_results_follow_promtail()
    {
        // Promtail hands templates strings; sprig's float64 converts, and fmt's %.2f rounds (the old agent engine
        // read "%.2f" as a string verb). Hash is SHA3-256 of salt+input, Sha2Hash SHA-256; an empty result removes the key.
        var h = new StageHarness("""
              - logfmt:
                  mapping: { latency: , user: }
              - template:
                  source: latency
                  template: '{{ printf "%.2f" (float64 .Value) }}'
              - template:
                  source: h3
                  template: '{{ Hash "salt" .user }}'
              - template:
                  source: h2
                  template: '{{ Sha2Hash "salt" .user }}'
              - template:
                  source: user
                  template: '{{ if eq .Value "nobody" }}{{ else }}{{ .Value }}{{ end }}'
            """);
        var e = h.Run("latency=3.14159 user=bob")[0];
        Assert.Equal("3.14", e.Extracted["latency"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA3_256.HashData("saltbob"u8)), e.Extracted["h3"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("saltbob"u8)), e.Extracted["h2"]);
        Assert.False(h.Run("latency=1 user=nobody")[0].Extracted.ContainsKey("user"));
    }

    [Fact]
    public void Static_labels_labeldrop_labelallow_structured_metadata()
    {
        var h = new StageHarness("""
              - logfmt:
                  mapping: { trace_id: , pod: }
              - static_labels:
                  env: prod
                  team: core
              - labels:
                  pod:
              - structured_metadata:
                  trace_id:
              - labeldrop: [team]
              - labelallow: [env, pod, job]
            """);
        var e = Assert.Single(h.Run("trace_id=abc pod=p1"));
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod", ["job"] = "test", ["pod"] = "p1" }, e.Labels);
        Assert.Equal("abc", e.Metadata!["trace_id"]);
    }

    [Fact]
    public void Timestamp_fallback_formats_and_fudge_on_failure()
    {
        var h = new StageHarness("""
              - regex:
                  expression: '^(?P<ts>\S+)'
              - timestamp:
                  source: ts
                  format: RFC3339
                  fallback_formats: [UnixMs]
            """);
        var out1 = h.Run("2024-01-01T00:00:00Z a", "1704067201000 b", "garbage c");
        Assert.Equal(1704067200_000000000L, out1[0].TimestampNs);
        Assert.Equal(1704067201_000000000L, out1[1].TimestampNs);
        Assert.Equal(1704067201_000000001L, out1[2].TimestampNs); // fudged: last + 1ns
    }

    [Fact]
    public void Timestamp_rejects_unknown_locations_at_load()
    {
        var e = Assert.Throws<ConfigException>(() => new StageHarness("""
              - timestamp: { source: ts, format: RFC3339, location: Mars/Olympus }
            """));
        Assert.Contains("unknown time zone", e.Message);
    }

    [Fact]
    public void Drop_by_expression_value_age_and_length()
    {
        var h = new StageHarness("""
              - logfmt:
                  mapping: { level: }
              - drop:
                  source: level
                  value: debug
                  drop_counter_reason: debug_lines
              - drop:
                  expression: healthz
              - drop:
                  longer_than: 20
              - drop:
                  older_than: 1h
            """);
        // The harness stamps entries at 1s after the epoch, so older_than drops everything that reaches it;
        // make the survivors check the earlier stages only.
        var outp = h.Run("level=debug x", "GET /healthz", "level=info aaaaaaaaaaaaaaaaaaaaaaaaaa", "level=info ok");
        Assert.Empty(outp);
        var text = h.Metrics.Expose();
        Assert.Contains("reason=\"debug_lines\"} 1", text);
        Assert.Contains("reason=\"drop_stage\"} 3", text);
        Assert.Equal(0, h.Tracker.PendingCount);
    }

    [Fact]
    public void Match_runs_nested_stages_for_matching_streams_and_can_drop()
    {
        var h = new StageHarness("""
              - match:
                  selector: '{app="api"}'
                  stages:
                    - static_labels: { matched: "yes" }
              - match:
                  selector: '{app="noise"} |= "debug"'
                  action: drop
            """);
        var api = h.RunWith(new() { ["app"] = "api" }, "x");
        Assert.Equal("yes", Assert.Single(api).Labels["matched"]);
        var other = h.RunWith(new() { ["app"] = "web" }, "x");
        Assert.False(Assert.Single(other).Labels.ContainsKey("matched"));
        Assert.Single(h.RunWith(new() { ["app"] = "noise" }, "info line"));
        Assert.Empty(h.RunWith(new() { ["app"] = "noise" }, "debug line"));
    }

    [Fact]
    public void Match_rejects_a_bad_selector_at_load()
    {
        var e = Assert.Throws<ConfigException>(() => new StageHarness("""
              - match:
                  selector: '{app='
                  action: drop
            """));
        Assert.Contains("invalid selector syntax for match stage", e.Message);
    }

    [Fact]
    public void Multiline_joins_until_the_next_first_line_and_keeps_positions_behind_the_block()
    {
        var h = new StageHarness("""
              - multiline:
                  firstline: '^\d{4}-'
                  max_wait_time: 3s
            """);
        var out1 = h.Run("2024-01-01 start", "  at a()", "  at b()", "2024-01-01 next");
        var block = Assert.Single(out1);
        Assert.Equal("2024-01-01 start\n  at a()\n  at b()", block.Line);
        Assert.Equal(3, block.Tokens.Count);
        Assert.Equal(0, h.Positions.Get("/test.log"));
        block.Complete();
        Assert.Equal("2024-01-01 start\n  at a()\n  at b()\n".Length, h.Positions.Get("/test.log"));
        Assert.Equal("2024-01-01 next", Assert.Single(h.Flush()).Line);
    }

    [Fact]
    public void Multiline_max_lines_cuts_a_block()
    {
        var h = new StageHarness("""
              - multiline:
                  firstline: '^START'
                  max_lines: 2
            """);
        var outp = h.Run("START", "a", "b", "c");
        Assert.Equal(["START\na", "b\nc"], outp.Select(e => e.Line).ToArray());
    }

    [Fact]
    public void Cri_parses_and_joins_partial_lines()
    {
        var h = new StageHarness("""
              - cri: {}
            """);
        var outp = h.Run(
            "2024-01-01T00:00:00.5Z stdout F full line",
            "2024-01-01T00:00:01Z stderr P part one ",
            "2024-01-01T00:00:02Z stderr F part two");
        Assert.Equal(2, outp.Count);
        Assert.Equal("full line", outp[0].Line);
        Assert.Equal("stdout", outp[0].Labels["stream"]);
        Assert.Equal(1704067200_500000000L, outp[0].TimestampNs);
        Assert.Equal("part one part two", outp[1].Line);
        Assert.Equal("stderr", outp[1].Labels["stream"]);
        Assert.Equal(2, outp[1].Tokens.Count);
    }

    [Fact]
    public void Docker_parses_json_file_lines()
    {
        var h = new StageHarness("""
              - docker: {}
            """);
        var e = Assert.Single(h.Run("""{"log":"hello\n","stream":"stderr","time":"2024-01-01T00:00:00.000000001Z"}"""));
        Assert.Equal("hello", e.Line);
        Assert.Equal("stderr", e.Labels["stream"]);
        Assert.Equal(1704067200_000000001L, e.TimestampNs);
    }

    [Fact]
    public void Pack_moves_labels_into_a_json_line()
    {
        var h = new StageHarness("""
              - pack:
                  labels: [pod]
                  ingest_timestamp: false
            """);
        var e = Assert.Single(h.RunWith(new() { ["job"] = "j", ["pod"] = "p\"1" }, "line"));
        Assert.Equal("""{"pod":"p\u00221","_entry":"line"}""", e.Line);
        Assert.False(e.Labels.ContainsKey("pod"));
    }

    [Fact]
    public void Tenant_from_value_source_or_label()
    {
        Assert.Equal("t1", Assert.Single(new StageHarness("  - tenant: { value: t1 }\n").Run("x")).Labels["__tenant_id__"]);
        var h = new StageHarness("  - logfmt: { mapping: { org: } }\n  - tenant: { source: org }\n");
        Assert.Equal("acme", Assert.Single(h.Run("org=acme")).Labels["__tenant_id__"]);
        Assert.Throws<ConfigException>(() => new StageHarness("  - tenant: { value: a, source: b }\n"));
    }

    [Fact]
    public void Limit_with_drop_keeps_the_burst_and_drops_the_rest()
    {
        var h = new StageHarness("  - limit: { rate: 0.001, burst: 3, drop: true }\n");
        Assert.Equal(3, h.Run("a", "b", "c", "d", "e").Count);
        Assert.Contains("reason=\"limit\"} 2", h.Metrics.Expose());
    }

    [Fact]
    public void Sampling_keeps_about_the_rate()
    {
        var h = new StageHarness("  - sampling: { rate: 0.25 }\n");
        var kept = h.Run(Enumerable.Range(0, 4000).Select(i => "l" + i).ToArray()).Count;
        Assert.InRange(kept, 800, 1200);
    }

    [Fact]
    public void Metrics_stage_counts_gauges_and_histograms_with_entry_labels()
    {
        var h = new StageHarness("""
              - logfmt:
                  mapping: { level: , duration: , queue: }
              - metrics:
                  log_lines_total:
                    type: Counter
                    description: all lines
                    config: { match_all: true, action: inc }
                  errors_total:
                    type: Counter
                    source: level
                    config: { value: error, action: inc }
                  queue_depth:
                    type: Gauge
                    source: queue
                    config: { action: set }
                  request_seconds:
                    type: Histogram
                    source: duration
                    config: { buckets: [0.1, 1] }
            """);
        h.Run("level=error duration=0.05 queue=3", "level=info duration=0.5 queue=7", "level=error");
        var text = h.Metrics.Expose();
        Assert.Contains("promtail_custom_log_lines_total{job=\"test\"} 3", text);
        Assert.Contains("promtail_custom_errors_total{job=\"test\"} 2", text);
        Assert.Contains("promtail_custom_queue_depth{job=\"test\"} 7", text);
        Assert.Contains("promtail_custom_request_seconds_bucket{job=\"test\",le=\"0.1\"} 1", text);
        Assert.Contains("promtail_custom_request_seconds_bucket{job=\"test\",le=\"1\"} 2", text);
        Assert.Contains("promtail_custom_request_seconds_count{job=\"test\"} 2", text);
    }

    [Theory]
    [InlineData("  - bogus: {}\n", "unknown pipeline stage type \"bogus\"")]
    [InlineData("  - regex: { expression: '(?=a)' }\n", "error parsing regexp")]
    [InlineData("  - match: { selector: '{a=\"b\"}' }\n", "must contain stages")]
    [InlineData("  - drop: {}\n", "at least one of")]
    [InlineData("  - metrics: { m: { type: Gauge, config: { action: bump } } }\n", "gauge action")]
    [InlineData("  - template: { source: a, template: '{{ nosuch .Value }}' }\n", "function \"nosuch\" not defined")]
    public void Invalid_stages_are_rejected_at_load(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => new StageHarness(yaml));
        Assert.Contains(message, e.Message);
    }
}
