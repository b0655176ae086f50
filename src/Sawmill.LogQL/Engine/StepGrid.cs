namespace Sawmill.LogQL.Engine;

/// <summary>The evaluation timestamps of a metric query: start, start+step, … ≤ end (ns). An instant query has one.</summary>
internal sealed class StepGrid
{
    public StepGrid(long startNs, long endNs, long stepNs)
    {
        StartNs = startNs;
        StepNs = stepNs <= 0 ? 1 : stepNs;
        Count = stepNs <= 0 ? 1 : (int)((endNs - startNs) / stepNs) + 1;
    }

    public long StartNs { get; }
    public long StepNs { get; }
    public int Count { get; }
    public long EndNs => StartNs + (Count - 1) * StepNs;

    public long At(int i) => StartNs + i * StepNs;
}
