using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Head;

/// <summary>How head chunks are built: codec, block size (raw line bytes) and chunk target size (compressed bytes).</summary>
internal sealed record HeadSettings(ChunkCodec Codec, int BlockSize, long ChunkTargetSize);
