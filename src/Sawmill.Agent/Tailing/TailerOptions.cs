namespace Sawmill.Agent.Tailing;

/// <summary>Knobs of the file reader.</summary>
public sealed record TailerOptions
{
    /// <summary>How often an idle file is checked for growth, rotation and truncation.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>
    /// After a rename-and-create rotation, how long the old file is still read while its writer keeps appending
    /// (it stops earlier once the old file is quiet for a poll interval).
    /// </summary>
    public TimeSpan RotationGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>0 = unlimited (limits_config.max_line_size).</summary>
    public long MaxLineSize { get; init; }
    public bool MaxLineSizeTruncate { get; init; }
    public int ReadBufferSize { get; init; } = 64 * 1024;
}
