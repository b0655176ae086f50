using System.Diagnostics;
using Sawmill.Testing;

namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>The <c>sawmill agent</c> process itself: -dry-run, -inspect, -print-config-stderr, -check-syntax, /ready and /metrics.</summary>
[Collection("end-to-end")]
public sealed class CommandLineEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agent-e2e-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string logs) => E2E.WriteConfig(_dir, E2E.Config(_dir, new Uri("http://127.0.0.1:9/"), Path.Combine(logs, "*.log"), """
            pipeline_stages:
              - regex:
                  expression: '^(?P<level>\w+) '
              - labels:
                  level:
              - metrics:
                  lines_by_level:
                    type: Counter
                    description: lines per level
                    source: level
                    config:
                      action: inc
        """));

    [Fact]
    public async Task Dry_run_prints_entries_with_labels_and_inspect_shows_each_stage_without_sending_or_saving_positions()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        File.WriteAllLines(Path.Combine(logs, "app.log"), ["error seq=000001 boom", "info seq=000002 fine"]);
        await using var agent = await AgentProcess.StartAsync(Config(logs), "-dry-run", "-inspect", "-print-config-stderr");
        // Wait for everything the assertions below look for; the inspect lines may follow the entry lines.
        string[] expected = ["seq=000002 fine", "[inspect: regex stage]", "[inspect: labels stage] labels=filename="];
        await E2E.WaitUntilAsync(() => Task.FromResult(expected.All(e => agent.Output.Contains(e, StringComparison.Ordinal))), "dry-run output");
        var output = agent.Output;
        Assert.Matches(@"\d{4}-\d\d-\d\dT[^\t]+\t\{filename=""[^""]+app\.log"", job=""e2e"", level=""error""\}\terror seq=000001 boom", output);
        Assert.Contains("level=\"info\"}\tinfo seq=000002 fine", output, StringComparison.Ordinal);
        // -inspect names the stages and what they changed.
        Assert.Contains("[inspect: regex stage]", output, StringComparison.Ordinal);
        Assert.Contains("[inspect: labels stage] labels=filename=", output, StringComparison.Ordinal);
        // -print-config-stderr shows the loaded config.
        Assert.Contains("  - url: \"http://127.0.0.1:9/loki/api/v1/push\"", output, StringComparison.Ordinal);
        Assert.Contains("    batchwait: 100ms", output, StringComparison.Ordinal);
        Assert.Equal(0, await agent.StopAsync());
        Assert.False(File.Exists(Path.Combine(_dir, "positions.yaml")), "a dry run must not write positions");
    }

    [Fact]
    public async Task Ready_and_metrics_report_files_lines_and_custom_stage_metrics()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        File.WriteAllLines(Path.Combine(logs, "app.log"), ["error a", "error b", "info c"]);
        // The client points at a closed port: reading, stages and metrics work while delivery retries.
        await using var agent = await AgentProcess.StartAsync(Config(logs));
        using var http = new HttpClient { BaseAddress = agent.BaseAddress };
        Assert.Equal("Ready", (await http.GetStringAsync("/ready")).Trim());
        await E2E.WaitUntilAsync(async () => await agent.MetricSumAsync("promtail_read_lines_total") == 3, "3 lines read");
        var metrics = await agent.MetricsAsync();
        Assert.Contains("promtail_custom_lines_by_level{", metrics, StringComparison.Ordinal);
        Assert.Equal(3, await agent.MetricSumAsync("promtail_custom_lines_by_level"));
        Assert.Equal(1, await agent.MetricSumAsync("promtail_files_active_total"));
        Assert.Contains(Path.Combine(logs, "app.log"), await http.GetStringAsync("/targets"), StringComparison.Ordinal);
        await E2E.WaitUntilAsync(async () => await agent.MetricSumAsync("promtail_batch_retries_total") > 0, "a retried push");
        // SIGTERM: graceful exit even though the server never answered (the batch is spilled to disk).
        Assert.Equal(0, await agent.StopAsync());
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(_dir, "sawmill-spill"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Check_syntax_and_help_exit_with_Promtail_like_messages()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        var (code, output) = await RunAsync("agent", "-config.file=" + Config(logs), "-check-syntax");
        Assert.Equal(0, code);
        Assert.Contains("Valid config file! No syntax issues found", output, StringComparison.Ordinal);

        var bad = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(bad, "scrape_configs:\n  - job_name: x\n    pipeline_stages:\n      - timestamp:\n          source: ts\n");
        (code, output) = await RunAsync("agent", "-config.file=" + bad, "-check-syntax");
        Assert.NotEqual(0, code);
        Assert.Contains("format", output, StringComparison.Ordinal);

        (code, output) = await RunAsync("agent", "--help");
        Assert.Equal(0, code);
        foreach (var flag in new[] { "-config.file", "-dry-run", "-inspect", "-check-syntax", "-print-config-stderr" })
            Assert.Contains(flag, output, StringComparison.Ordinal);
    }

    private static async Task<(int, string)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(SawmillProcess.DllPath);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
