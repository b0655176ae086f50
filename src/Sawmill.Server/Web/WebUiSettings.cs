using Sawmill.Server.Config;

namespace Sawmill.Server.Web;

/// <summary>
/// The UI's settings from the config file's <c>ui:</c> section (<c>prometheus_url</c>), or the
/// <c>SAWMILL_UI_PROMETHEUS_URL</c> environment variable when the file does not set it.
/// </summary>
internal sealed record WebUiSettings(Uri? PrometheusUrl)
{
    public const string EnvironmentVariable = "SAWMILL_UI_PROMETHEUS_URL";

    public static WebUiSettings From(SawmillConfig config)
    {
        string? url = null;
        if (config.Extra.TryGetValue("ui", out var section) && section is Dictionary<object, object> map
            && map.TryGetValue("prometheus_url", out var value))
            url = value?.ToString();
        if (string.IsNullOrWhiteSpace(url))
            url = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(url))
            return new WebUiSettings((Uri?)null);
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ConfigException($"ui.prometheus_url: \"{url}\" is not an http(s) URL");
        return new WebUiSettings(uri);
    }
}
