namespace Sawmill.Core;

/// <summary>Order in which log entries are returned. Loki's default is <see cref="Backward"/> (newest first).</summary>
public enum Direction
{
    Forward,
    Backward,
}
