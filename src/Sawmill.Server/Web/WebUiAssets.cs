using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Sawmill.Server.Web;

/// <summary>
/// The web UI's files (<c>web/**</c> in the repository), embedded in this assembly at build time under the logical name
/// <c>web/&lt;relative path&gt;</c>. Loaded once; each file carries a strong ETag (a content hash) so browsers
/// revalidate cheaply — the files have no hashed names, so they must not be cached without revalidation.
/// </summary>
internal sealed class WebUiAssets
{
    private const string Prefix = "web/";

    private readonly FrozenDictionary<string, WebUiAsset> _files;

    private WebUiAssets(FrozenDictionary<string, WebUiAsset> files) => _files = files;

    public static WebUiAssets Shared { get; } = Load(typeof(WebUiAssets).Assembly);

    public int Count => _files.Count;

    /// <summary>Finds a file by its URL path relative to the UI root (<c>js/main.js</c>); null when absent.</summary>
    public WebUiAsset? Find(string relativePath) => _files.GetValueOrDefault(relativePath);

    private static WebUiAssets Load(Assembly assembly)
    {
        var files = new Dictionary<string, WebUiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            // MSBuild's RecursiveDir uses the OS separator; URLs use '/'.
            var path = name[Prefix.Length..].Replace('\\', '/');
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            files[path] = new WebUiAsset(bytes, ContentType(path), etag);
        }
        return new WebUiAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".json" => "application/json; charset=utf-8",
        ".txt" or ".md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}
