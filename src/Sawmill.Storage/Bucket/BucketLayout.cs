namespace Sawmill.Storage.Bucket;

/// <summary>
/// Where things live in a bucket (docs/format/bucket.md): a block is the three objects
/// <c>blocks/&lt;tenant&gt;/&lt;id&gt;/{chunks,index,meta.json}</c>, written in that order; its <c>meta.json</c>
/// appears last and so commits it. A block named in another committed block's <c>sources</c> is replaced and is not read.
/// </summary>
public static class BucketLayout
{
    public const string BlocksPrefix = "blocks/";
    public const string Chunks = "chunks";
    public const string Index = "index";
    public const string Meta = "meta.json";

    public static string BlockKey(string tenant, string id, string file) => $"{BlocksPrefix}{tenant}/{id}/{file}";

    /// <summary>Splits <c>blocks/&lt;tenant&gt;/&lt;id&gt;/&lt;file&gt;</c>; false for any other key.</summary>
    public static bool TryParseBlockKey(string key, out string tenant, out string id, out string file)
    {
        tenant = id = file = "";
        if (!key.StartsWith(BlocksPrefix, StringComparison.Ordinal))
            return false;
        var parts = key[BlocksPrefix.Length..].Split('/');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
            return false;
        (tenant, id, file) = (parts[0], parts[1], parts[2]);
        return true;
    }
}
