using Microsoft.Extensions.Options;

namespace Sawmill.Logging.Tests.Support;

/// <summary>An options monitor over a fixed value (no reloads).</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
