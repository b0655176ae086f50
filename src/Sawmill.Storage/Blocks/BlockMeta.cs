using System.Text.Json.Serialization;

namespace Sawmill.Storage.Blocks;

/// <summary>The <c>meta.json</c> of a block directory (docs/format/block.md). Written last, before the atomic rename.</summary>
internal sealed class BlockMeta
{
    [JsonPropertyName("version")]
    public int Version { get; set; } = 1;

    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("tenant")]
    public string Tenant { get; set; } = "";

    [JsonPropertyName("minTime")]
    public long MinTime { get; set; }

    [JsonPropertyName("maxTime")]
    public long MaxTime { get; set; }

    [JsonPropertyName("series")]
    public long Series { get; set; }

    [JsonPropertyName("chunks")]
    public long Chunks { get; set; }

    [JsonPropertyName("entries")]
    public long Entries { get; set; }

    [JsonPropertyName("rawBytes")]
    public long RawBytes { get; set; }

    [JsonPropertyName("storedBytes")]
    public long StoredBytes { get; set; }

    /// <summary>
    /// The WAL checkpoint this block belongs to. A flushed block is valid only once <c>wal/checkpoint.N</c> with
    /// N &gt;= this exists; an open finds a newer block (a crash between the block and the checkpoint) and deletes it,
    /// because its entries are still in the WAL. 0 for blocks made by compaction from valid blocks.
    /// </summary>
    [JsonPropertyName("checkpoint")]
    public long Checkpoint { get; set; }

    /// <summary>Blocks this one replaces (compaction/retention rewrite); deleted on open if still present.</summary>
    [JsonPropertyName("sources")]
    public List<string> Sources { get; set; } = [];

    [JsonPropertyName("level")]
    public int Level { get; set; } = 1;

    /// <summary>
    /// Every chunk of the block was recompressed for cold storage (chunk version 2), so the compactor's recompression
    /// skips the block without reading it. Absent (false) in blocks written before the field existed.
    /// </summary>
    [JsonPropertyName("recompressed")]
    public bool Recompressed { get; set; }

    /// <summary>
    /// The ingester (ring instance id) whose flush wrote the block into the bucket; absent for blocks of a single
    /// process and for compactor output. Replicas of one stream come from different origins.
    /// </summary>
    [JsonPropertyName("origin")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Origin { get; set; }
}
