using System.Text.Json.Serialization;

namespace Sawmill.Storage.Blocks;

[JsonSerializable(typeof(BlockMeta))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class BlockMetaJsonContext : JsonSerializerContext;
