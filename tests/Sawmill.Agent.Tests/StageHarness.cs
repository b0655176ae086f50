using Sawmill.Agent.Config;
using Sawmill.Agent.Positions;
using Sawmill.Agent.Stages;
using YamlDotNet.RepresentationModel;

namespace Sawmill.Agent.Tests;

/// <summary>Builds a pipeline from a <c>pipeline_stages</c> YAML list and runs lines through it.</summary>
internal sealed class StageHarness
{
    public StageHarness(string stagesYaml)
    {
        var s = new YamlStream();
        s.Load(new StringReader("pipeline_stages:\n" + stagesYaml));
        var root = new YamlMap((YamlMappingNode)s.Documents[0].RootNode, "");
        Pipeline = StageFactory.Create(root.Maps("pipeline_stages"), Metrics);
        var dir = Directory.CreateTempSubdirectory("stage-").FullName;
        Positions = PositionsFile.Open(Path.Combine(dir, "positions.yaml"), false);
        Tracker = new PositionTracker(Positions, "/test.log");
    }

    public AgentMetrics Metrics { get; } = new();
    public Pipeline Pipeline { get; }
    public PositionsFile Positions { get; }
    public PositionTracker Tracker { get; }
    public List<PipelineEntry> Output { get; } = [];
    private long _offset;

    public List<PipelineEntry> Run(params string[] lines) => RunWith(new Dictionary<string, string> { ["job"] = "test" }, lines);

    public List<PipelineEntry> RunWith(Dictionary<string, string> labels, params string[] lines)
    {
        Output.Clear();
        foreach (var line in lines)
        {
            _offset += line.Length + 1;
            var e = new PipelineEntry(new Dictionary<string, string>(labels), 1_000_000_000, line);
            e.Tokens.Add(Tracker.Issue(_offset));
            Pipeline.Process(e, Output.Add);
        }
        return Output;
    }

    public List<PipelineEntry> Flush()
    {
        Output.Clear();
        Pipeline.Flush(Output.Add);
        return Output;
    }
}
