using System.Reflection;

namespace Sawmill;

/// <summary>Version facts served by <c>/loki/api/v1/status/buildinfo</c> and <c>sawmill version</c>.</summary>
internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    public static string Revision { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+') is [_, var rev, ..] ? rev : "unknown";
}
