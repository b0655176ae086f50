using Sawmill.Server.Config;

namespace Sawmill.Server.Distribution;

/// <summary>
/// Resolves the limits of a tenant: the global <c>limits_config</c>, replaced per tenant by the runtime overrides
/// file when it names the tenant. Thread-safe; overrides are swapped atomically on reload.
/// </summary>
public sealed class TenantLimits(LimitsConfig defaults)
{
    private volatile IReadOnlyDictionary<string, LimitsConfig> _overrides = new Dictionary<string, LimitsConfig>();

    public LimitsConfig Defaults { get; private set; } = defaults;

    public LimitsConfig For(string tenant) => _overrides.TryGetValue(tenant, out var l) ? l : Defaults;

    public void SetOverrides(IReadOnlyDictionary<string, LimitsConfig> overrides) => _overrides = overrides;

    public IReadOnlyDictionary<string, LimitsConfig> Overrides => _overrides;
}
