using Microsoft.AspNetCore.Http;
using Sawmill.Core;
using Sawmill.Server.Api;

namespace Sawmill.Server.Hosting;

/// <summary>
/// Finds the tenant of a request as Loki does: with <c>auth_enabled: false</c> every request belongs to <c>fake</c>;
/// with it on, <c>X-Scope-OrgID</c> is required (401 <c>no org id</c>) and validated. Queries may name several tenants
/// separated by <c>|</c> when multi-tenant queries are enabled.
/// </summary>
public static class TenantResolver
{
    public const string Header = "X-Scope-OrgID";

    public static string Single(HttpContext context, bool authEnabled)
    {
        var ids = Resolve(context, authEnabled);
        if (ids.Count > 1)
            throw new ApiException(400, "multiple org IDs present");
        return ids[0];
    }

    public static IReadOnlyList<string> Resolve(HttpContext context, bool authEnabled)
    {
        if (!authEnabled)
            return [Tenant.Default];
        var header = context.Request.Headers[Header].ToString();
        if (string.IsNullOrWhiteSpace(header))
            throw new ApiException(401, "no org id");
        var ids = header.Split('|', StringSplitOptions.TrimEntries);
        foreach (var id in ids)
        {
            var problem = Tenant.Validate(id);
            if (problem != null)
                throw new ApiException(400, problem);
        }
        return ids.Distinct(StringComparer.Ordinal).ToList();
    }
}
