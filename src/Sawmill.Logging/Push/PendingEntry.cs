namespace Sawmill.Logging.Push;

/// <summary>A formatted entry waiting in the push queue. <see cref="Line"/> is owned by the entry.</summary>
internal readonly record struct PendingEntry(long TimestampNs, byte[] Line, int Stream);
