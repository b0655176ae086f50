using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// One series evaluated at every step of a query: <see cref="Values"/>[i] is meaningful only where
/// <see cref="Present"/>[i]. Owned by one evaluation; not thread-safe.
/// </summary>
internal sealed class StepSeries(Labels labels, int steps)
{
    public Labels Labels { get; set; } = labels;
    public double[] Values { get; } = new double[steps];
    public bool[] Present { get; } = new bool[steps];

    public void Set(int step, double value)
    {
        Values[step] = value;
        Present[step] = true;
    }
}
