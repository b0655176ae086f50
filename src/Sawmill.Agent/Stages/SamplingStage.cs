namespace Sawmill.Agent.Stages;

/// <summary>Promtail's <c>sampling</c> stage: keeps each entry with probability <c>rate</c> (0..1).</summary>
public sealed class SamplingStage(double rate, string reason, int? seed = null) : TransformStage("sampling")
{
    private readonly Random _random = seed is { } s ? new Random(s) : Random.Shared;

    protected override string DropReason => reason;

    protected override bool Apply(PipelineEntry entry) => rate >= 1 || _random.NextDouble() < rate;
}
