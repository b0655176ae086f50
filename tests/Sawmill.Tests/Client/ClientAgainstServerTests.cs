using System.Net.Http.Headers;
using System.Text;
using Sawmill.Commands;
using Sawmill.Testing;

namespace Sawmill.Tests.Client;

/// <summary>The client commands against a real sawmill server process.</summary>
public sealed class ClientAgainstServerTests : IAsyncLifetime
{
    private SawmillProcess _server = null!;
    private readonly long _now = Core.TimeNs.Now();

    public async Task InitializeAsync()
    {
        _server = await SawmillProcess.StartAsync();
        var values = string.Join(',', Enumerable.Range(0, 25).Select(i => $"[\"{_now - (25 - i) * 1_000_000_000L}\",\"line {i:D2} level=info\"]"));
        var errors = $"[\"{_now - 500_000_000L}\",\"boom level=error\"]";
        var body = $"{{\"streams\":[{{\"stream\":{{\"app\":\"cli\",\"pod\":\"a\"}},\"values\":[{values}]}},{{\"stream\":{{\"app\":\"cli\",\"pod\":\"b\"}},\"values\":[{errors}]}}]}}";
        using var http = _server.CreateClient();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var r = await http.PostAsync("/loki/api/v1/push", content);
        r.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(int Code, string Out, string Err)> Run(string command, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await ClientCommands.RunAsync(command, ["--addr", _server.BaseAddress.ToString(), "-z", "UTC", .. args], o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Query_prints_newest_first_with_common_labels_on_stderr()
    {
        var (code, output, err) = await Run("query", "{app=\"cli\"}", "--since", "5m", "--limit", "3");
        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Equal(3, lines.Length);
        // Loki 3's ingestion adds service_name (from app) to the stream and detected_level to each entry.
        Assert.EndsWith("{detected_level=\"error\", pod=\"b\"} boom level=error", lines[0]);
        // Label columns are padded to the widest (logcli's layout).
        Assert.EndsWith("{detected_level=\"info\", pod=\"a\"}  line 24 level=info", lines[1]);
        Assert.Contains("Common labels: {app=\"cli\", service_name=\"cli\"}", err);
        Assert.Contains("/loki/api/v1/query_range?", err);
    }

    [Fact]
    public async Task Batches_page_past_the_batch_size_without_duplicates()
    {
        var (code, output, _) = await Run("query", "{app=\"cli\",pod=\"a\"}", "--since", "5m", "--limit", "20", "--batch", "6", "-o", "raw", "--forward", "-q");
        Assert.Equal(0, code);
        var lines = Lines(output);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"line {i:D2} level=info"), lines);
    }

    [Fact]
    public async Task Batches_stay_within_a_server_limit_equal_to_the_batch_size()
    {
        // Asking again for the boundary entries must not push a request past max_entries_limit_per_query.
        var config = Path.Combine(Directory.CreateTempSubdirectory("sawmill-cli-").FullName, "loki.yaml");
        await File.WriteAllTextAsync(config, "limits_config:\n  max_entries_limit_per_query: 6\n");
        await using var server = await SawmillProcess.StartAsync(["-config.file=" + config]);
        var values = string.Join(',', Enumerable.Range(0, 20).Select(i => $"[\"{_now - (20 - i) * 1_000_000_000L}\",\"line {i:D2}\"]"));
        using (var http = server.CreateClient())
        {
            var content = new StringContent($"{{\"streams\":[{{\"stream\":{{\"app\":\"cli\"}},\"values\":[{values}]}}]}}", Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var r = await http.PostAsync("/loki/api/v1/push", content);
            r.EnsureSuccessStatusCode();
        }
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await ClientCommands.RunAsync("query", ["--addr", server.BaseAddress.ToString(), "{app=\"cli\"}", "--since", "5m", "--limit", "20", "--batch", "6", "-o", "raw", "--forward", "-q"], o, e);
        Assert.True(code == 0, e.ToString());
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"line {i:D2}"), Lines(o.ToString()));
    }

    [Fact]
    public async Task Limit_zero_fetches_everything()
    {
        var (_, output, _) = await Run("query", "{app=\"cli\"}", "--since", "5m", "--limit", "0", "--batch", "7", "-o", "raw", "-q");
        Assert.Equal(26, Lines(output).Length);
    }

    [Fact]
    public async Task Jsonl_output_is_one_object_per_line()
    {
        var (_, output, _) = await Run("query", "{app=\"cli\",pod=\"b\"}", "--since", "5m", "-o", "jsonl", "-q");
        using var doc = System.Text.Json.JsonDocument.Parse(Assert.Single(Lines(output)));
        Assert.Equal("boom level=error", doc.RootElement.GetProperty("line").GetString());
        Assert.Equal("b", doc.RootElement.GetProperty("labels").GetProperty("pod").GetString());
    }

    [Fact]
    public async Task Parallel_jobs_write_part_files_and_merge_them_in_order()
    {
        var prefix = Path.Combine(Path.GetTempPath(), "sawmill-parts-" + Guid.NewGuid().ToString("N"));
        var from = Core.TimeNs.ToRfc3339Nano(_now - 40_000_000_000L);
        var to = Core.TimeNs.ToRfc3339Nano(_now + 1_000_000_000L);
        var (code, output, _) = await Run("query", "{app=\"cli\",pod=\"a\"}", "--from", from, "--to", to, "--parallel-duration", "10s",
            "--parallel-max-workers", "3", "--part-path-prefix", prefix, "--merge-parts", "--forward", "-o", "raw", "-q");
        Assert.Equal(0, code);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"line {i:D2} level=info"), Lines(output));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + "*"));
    }

    [Fact]
    public async Task Instant_metric_queries_print_the_vector_as_json()
    {
        var (code, output, _) = await Run("instant-query", "sum by (pod) (count_over_time({app=\"cli\"}[5m]))", "-q");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var counts = doc.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("metric").GetProperty("pod").GetString()!, e => e.GetProperty("value")[1].GetString());
        Assert.Equal("25", counts["a"]);
        Assert.Equal("1", counts["b"]);
    }

    [Fact]
    public async Task Labels_series_and_stats_print_what_the_server_knows()
    {
        Assert.Equal(["app", "pod", "service_name"], Lines((await Run("labels", "-q")).Out));
        Assert.Equal(["a", "b"], Lines((await Run("labels", "pod", "-q")).Out));
        Assert.Equal(["{app=\"cli\", pod=\"a\", service_name=\"cli\"}", "{app=\"cli\", pod=\"b\", service_name=\"cli\"}"], Lines((await Run("series", "{app=\"cli\"}", "-q")).Out));
        var analyze = (await Run("series", "{app=\"cli\"}", "--analyze-labels", "-q")).Out;
        Assert.Contains("Total Streams:  2", analyze);
        var stats = (await Run("stats", "{app=\"cli\"}", "-q")).Out;
        Assert.Contains("streams: 2", stats);
        Assert.Contains("entries: 26", stats);
    }

    [Fact]
    public async Task Server_errors_are_printed_as_the_server_wrote_them_with_exit_code_1()
    {
        var (code, _, err) = await Run("query", "{app=\"cli\"", "-q");
        Assert.Equal(1, code);
        Assert.Contains("parse error at line 1", err);
        Assert.Contains("(400 Bad Request)", err);
    }
}
