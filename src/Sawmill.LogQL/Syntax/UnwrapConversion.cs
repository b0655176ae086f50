namespace Sawmill.LogQL.Syntax;

/// <summary>How an unwrapped label value becomes a sample value.</summary>
public enum UnwrapConversion
{
    /// <summary>Plain float parse.</summary>
    None,
    /// <summary><c>duration(x)</c> / <c>duration_seconds(x)</c>: a Go duration, in seconds.</summary>
    Duration,
    /// <summary><c>duration_seconds(x)</c>; same value as <see cref="Duration"/>, kept apart to print back.</summary>
    DurationSeconds,
    /// <summary><c>bytes(x)</c>: a human byte size (<c>5 MB</c>), in bytes.</summary>
    Bytes,
}
