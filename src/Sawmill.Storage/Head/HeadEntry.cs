using Sawmill.Core;

namespace Sawmill.Storage.Head;

/// <summary>One entry held in memory. The line array is owned by the head and never mutated.</summary>
internal readonly record struct HeadEntry(long TimestampNs, byte[] Line, Label[]? Metadata);
