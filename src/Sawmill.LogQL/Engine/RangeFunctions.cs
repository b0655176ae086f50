using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// The value of a range aggregation over the samples of one window (timestamps ascending), Loki's definitions:
/// rate = count (or sum of unwrapped values) per second of the range; stdvar/stddev are population statistics;
/// quantile interpolates linearly like Prometheus; rate_counter is Prometheus's extrapolated counter rate.
/// </summary>
internal static class RangeFunctions
{
    public static double Apply(RangeOp op, ReadOnlySpan<long> ts, ReadOnlySpan<double> v, double sum, long rangeNs, double? param, long windowStartNs, long windowEndNs)
    {
        var seconds = rangeNs / 1e9;
        switch (op)
        {
            case RangeOp.CountOverTime:
                return v.Length;
            case RangeOp.Rate:
            case RangeOp.BytesRate:
                return sum / seconds;
            case RangeOp.BytesOverTime:
            case RangeOp.SumOverTime:
                return sum;
            case RangeOp.AvgOverTime:
            {
                // Incremental mean like Prometheus, robust for large values.
                double mean = 0;
                for (var i = 0; i < v.Length; i++)
                    mean += (v[i] - mean) / (i + 1);
                return mean;
            }
            case RangeOp.MaxOverTime:
            {
                var m = v[0];
                foreach (var x in v)
                    if (x > m || double.IsNaN(m))
                        m = x;
                return m;
            }
            case RangeOp.MinOverTime:
            {
                var m = v[0];
                foreach (var x in v)
                    if (x < m || double.IsNaN(m))
                        m = x;
                return m;
            }
            case RangeOp.FirstOverTime:
                return v[0];
            case RangeOp.LastOverTime:
                return v[^1];
            case RangeOp.StdvarOverTime:
                return Variance(v);
            case RangeOp.StddevOverTime:
                return Math.Sqrt(Variance(v));
            case RangeOp.QuantileOverTime:
                return Quantile(param ?? 0, v);
            case RangeOp.RateCounter:
                return CounterRate(ts, v, windowStartNs, windowEndNs, seconds);
            case RangeOp.AbsentOverTime:
                return 1;
            default:
                throw new InvalidOperationException(op.ToString());
        }
    }

    private static double Variance(ReadOnlySpan<double> v)
    {
        double mean = 0, m2 = 0;
        for (var i = 0; i < v.Length; i++)
        {
            var delta = v[i] - mean;
            mean += delta / (i + 1);
            m2 += delta * (v[i] - mean);
        }
        return m2 / v.Length;
    }

    /// <summary>Prometheus's quantile: φ&lt;0 → -Inf, φ&gt;1 → +Inf, linear interpolation between ranks.</summary>
    public static double Quantile(double q, ReadOnlySpan<double> values)
    {
        if (values.Length == 0 || double.IsNaN(q))
            return double.NaN;
        if (q < 0)
            return double.NegativeInfinity;
        if (q > 1)
            return double.PositiveInfinity;
        // Sorted in a pooled buffer: one allocation-free sort per step, whatever the window holds.
        var rented = System.Buffers.ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            var sorted = rented.AsSpan(0, values.Length);
            values.CopyTo(sorted);
            sorted.Sort();
            var n = sorted.Length;
            var rank = q * (n - 1);
            var lower = Math.Max(0, (int)Math.Floor(rank));
            var upper = Math.Min(n - 1, lower + 1);
            var weight = rank - Math.Floor(rank);
            return sorted[lower] * (1 - weight) + sorted[upper] * weight;
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Prometheus extrapolatedRate with counter resets, over the window (start, end].</summary>
    private static double CounterRate(ReadOnlySpan<long> ts, ReadOnlySpan<double> v, long startNs, long endNs, double rangeSeconds)
    {
        if (v.Length < 2)
            return double.NaN;
        var result = v[^1] - v[0];
        var prev = v[0];
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] < prev)
                result += prev;
            prev = v[i];
        }
        var durationToStart = (ts[0] - startNs) / 1e9;
        var durationToEnd = (endNs - ts[^1]) / 1e9;
        var sampled = (ts[^1] - ts[0]) / 1e9;
        var avgInterval = sampled / (v.Length - 1);
        if (result > 0 && v[0] >= 0)
        {
            var durationToZero = sampled * (v[0] / result);
            if (durationToZero < durationToStart)
                durationToStart = durationToZero;
        }
        var threshold = avgInterval * 1.1;
        var extrapolate = sampled;
        extrapolate += durationToStart < threshold ? durationToStart : avgInterval / 2;
        extrapolate += durationToEnd < threshold ? durationToEnd : avgInterval / 2;
        result *= extrapolate / sampled;
        return result / rangeSeconds;
    }
}
