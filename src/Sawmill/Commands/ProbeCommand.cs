namespace Sawmill.Commands;

/// <summary>
/// <c>sawmill probe URL</c>: exits 0 when a GET of the URL answers 2xx within the timeout, 1 otherwise. The container
/// images have no shell or curl; their HEALTHCHECK runs this against <c>/ready</c>.
/// </summary>
internal static class ProbeCommand
{
    private const string Usage = "Usage: sawmill probe [-timeout=5s] URL   (exit 0 when GET URL answers 2xx)";

    public static async Task<int> RunAsync(string[] args)
    {
        string? url = null;
        var timeout = TimeSpan.FromSeconds(5);
        foreach (var a in args)
        {
            if (a is "-h" or "-help" or "--help")
            {
                Console.WriteLine(Usage);
                return 0;
            }
            if (a.TrimStart('-').StartsWith("timeout=", StringComparison.Ordinal))
            {
                if (!Sawmill.GoCompat.GoDuration.TryParse(a.AsSpan(a.IndexOf('=') + 1), out var ns) || ns <= 0)
                {
                    Console.Error.WriteLine($"sawmill probe: invalid timeout \"{a}\"");
                    return 2;
                }
                timeout = TimeSpan.FromTicks(ns / 100);
            }
            else if (url == null && !a.StartsWith('-'))
            {
                url = a;
            }
            else
            {
                Console.Error.WriteLine($"sawmill probe: unexpected argument \"{a}\"\n{Usage}");
                return 2;
            }
        }
        if (url == null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        using var http = new HttpClient { Timeout = timeout };
        try
        {
            using var response = await http.GetAsync(uri);
            if (response.IsSuccessStatusCode)
                return 0;
            Console.Error.WriteLine($"sawmill probe: {uri} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"sawmill probe: {uri}: {e.Message}");
            return 1;
        }
    }
}
