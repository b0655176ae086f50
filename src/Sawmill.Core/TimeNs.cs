namespace Sawmill.Core;

/// <summary>Helpers for Unix-nanosecond timestamps, the unit used everywhere inside Sawmill.</summary>
public static class TimeNs
{
    public const long PerMicrosecond = 1_000;
    public const long PerMillisecond = 1_000_000;
    public const long PerSecond = 1_000_000_000;
    public const long PerMinute = 60 * PerSecond;
    public const long PerHour = 60 * PerMinute;

    public static long Now() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    public static long FromDateTime(DateTime t) => (t.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) * 100;

    public static DateTime ToDateTime(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);

    /// <summary>RFC3339 with nanoseconds, UTC, as Go's <c>time.RFC3339Nano</c> prints it (trailing zeros trimmed).</summary>
    public static string ToRfc3339Nano(long ns) => Sawmill.GoCompat.GoTime.FormatRfc3339Nano(ns);
}
