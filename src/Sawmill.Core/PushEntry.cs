namespace Sawmill.Core;

/// <summary>
/// One log entry as received by the write path. <see cref="Line"/> is UTF-8; the memory is owned by the
/// entry (the decoder hands over a buffer nobody else writes to). <see cref="Metadata"/> is Loki's
/// structured metadata, null when there is none.
/// </summary>
public readonly record struct PushEntry(long TimestampNs, ReadOnlyMemory<byte> Line, Label[]? Metadata = null);
