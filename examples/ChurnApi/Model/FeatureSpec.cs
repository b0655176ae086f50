namespace ChurnApi.Model;

/// <summary>One model input: its name, the range a real customer can have, and its meaning.</summary>
internal sealed record FeatureSpec(string Name, double Min, double Max, string Description)
{
    /// <summary>The model's inputs, in the order of its weight vector.</summary>
    public static readonly FeatureSpec[] All =
    [
        new("age", 18, 100, "customer age in years"),
        new("tenure_months", 0, 120, "months as a customer"),
        new("monthly_charges", 0, 500, "monthly bill"),
        new("support_calls", 0, 50, "support calls in the last 90 days"),
        new("contract_months", 1, 24, "contract length (1 = month to month, 12, 24)"),
        new("num_products", 1, 10, "products subscribed"),
    ];
}
