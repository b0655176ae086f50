using Sawmill.Testing;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Conformance;

/// <summary>
/// The conformance corpus against a real Sawmill process: the data set of tests/conformance pushed into it, every case
/// asked, every answer compared with the golden answer recorded from Loki v2.9.9. Sawmill runs with the same
/// configuration the reference ran with (tests/conformance/loki.yaml), plus its switches for Loki 2.9's ingestion
/// behaviour (no service_name, no detected_level). Answers that differ must be listed in known-divergences.txt with
/// their reason (docs/compat.md); a listed answer that has become identical must leave the list.
/// </summary>
public sealed class ReplayTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_answer_is_the_reference_Lokis_or_a_listed_divergence()
    {
        var corpus = Corpus.FromTestOutput();
        var configPath = WriteSawmillConfig(corpus);
        await using var server = await SawmillProcess.StartAsync(
            ["-config.file=" + configPath, "-config.expand-env=true"],
            environment: new Dictionary<string, string> { ["CONFORMANCE_DIR"] = corpus.Dir, ["ORACLE_DATA"] = Path.GetTempPath() });
        using var http = server.CreateClient();
        var runner = new CaseRunner(http);
        await runner.PushDataAsync(corpus);

        var report = await Replay.RunAsync(corpus, runner);
        output.WriteLine(report.Describe(full: true));
        Assert.Empty(report.NoGolden);
        Assert.True(report.Unexpected.Count == 0 && report.Fixed.Count == 0, report.Describe(full: false));
    }

    /// <summary>loki.yaml with Sawmill's 2.9-behaviour switches added to limits_config.</summary>
    private static string WriteSawmillConfig(Corpus corpus)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(corpus.Dir, "loki.yaml")))
            yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var limits = (YamlMappingNode)root.Children[new YamlScalarNode("limits_config")];
        limits.Add("discover_service_name", new YamlSequenceNode());
        limits.Add("discover_log_levels", "false");
        var path = Path.Combine(Directory.CreateTempSubdirectory("sawmill-conformance-").FullName, "sawmill.yaml");
        using (var writer = new StreamWriter(path))
            yaml.Save(writer, assignAnchors: false);
        return path;
    }
}
