namespace ChurnApi.Model;

/// <summary>
/// Seeded synthetic customers with a known churn mechanism: short tenure, month-to-month contracts, many support
/// calls and high bills raise the churn odds; more products and age lower them. Shared by the model's training
/// and by the traffic generator, so generated requests look like the training population.
/// </summary>
internal sealed class SyntheticCustomers(int seed)
{
    private readonly Random _random = new(seed);

    public double[] NextFeatures()
    {
        var contract = _random.NextDouble() switch { < 0.55 => 1.0, < 0.8 => 12.0, _ => 24.0 };
        var tenure = Math.Round(Math.Min(120, -Math.Log(1 - _random.NextDouble()) * (contract == 1 ? 14 : 40)));
        return
        [
            Math.Round(18 + _random.NextDouble() * 62),
            tenure,
            Math.Round(20 + _random.NextDouble() * 130, 2),
            Math.Min(50, Math.Floor(-Math.Log(1 - _random.NextDouble()) * 2.2)),
            contract,
            1 + _random.Next(5),
        ];
    }

    /// <summary>Draws churn from the ground-truth logistic model, so the data is learnable but noisy.</summary>
    public bool NextLabel(double[] x)
    {
        var z = 0.6 - 0.045 * x[1] + 0.012 * (x[2] - 70) + 0.45 * x[3] - 0.09 * (x[4] - 1) - 0.35 * (x[5] - 1)
            - 0.01 * (x[0] - 45);
        return _random.NextDouble() < 1 / (1 + Math.Exp(-z));
    }

    public Random Random => _random;
}
