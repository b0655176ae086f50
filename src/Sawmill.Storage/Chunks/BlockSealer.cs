namespace Sawmill.Storage.Chunks;

/// <summary>
/// Seals a block: encodes it (<see cref="BlockFormat.Encode"/>) and collects what its chunk needs from its lines — the
/// distinct trigrams for the chunk's trigram filter and the token keys for the block's own token filter — in the same
/// place for every writer (head, WAL replay, compaction). Thread-safe (per-thread scratch).
/// </summary>
internal static class BlockSealer
{
    [ThreadStatic]
    private static KeySet? t_keys;

    public static (EncodedBlock Block, int[] Trigrams) Seal(RawBlock raw, ChunkCodec codec, string source = "head", int zstdLevel = Compression.ZstdLevel,
        bool implicitLengths = false, bool numberColumn = false)
    {
        var block = BlockFormat.Encode(raw, codec, source, zstdLevel, implicitLengths, numberColumn);
        var keys = t_keys ??= new KeySet(16384);
        keys.Clear();
        for (var i = 0; i < raw.Count; i++)
        {
            TokenKeys.AddLine(raw.LineAt(i), keys);
            AddMetadataNames(raw.MetadataAt(i), keys);
        }
        return (block.WithTokenFilter(TokenFilter.Build(keys.Keys)), TrigramSet.Collect(raw));
    }

    /// <summary>The filters of a block that was encoded elsewhere (a WAL checkpoint's block record), from its decoded lines and metadata.</summary>
    public static (EncodedBlock Block, int[] Trigrams) Index(EncodedBlock block, DecodedBlock decoded)
    {
        var keys = t_keys ??= new KeySet(16384);
        keys.Clear();
        for (var i = 0; i < decoded.Count; i++)
        {
            TokenKeys.AddLine(decoded.Lines.AsSpan(decoded.Offsets[i], decoded.Lengths[i]), keys);
            AddMetadataNames(decoded.Metadata?[i], keys);
        }
        return (block.WithTokenFilter(TokenFilter.Build(keys.Keys)), TrigramSet.Collect(decoded));
    }

    private static void AddMetadataNames(Core.Label[]? metadata, KeySet keys)
    {
        if (metadata == null)
            return;
        foreach (var l in metadata)
            keys.Add(TokenKeys.MetadataName(l.Name));
    }
}
