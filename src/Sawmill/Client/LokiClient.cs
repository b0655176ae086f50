using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Sawmill.Client;

/// <summary>
/// A small client for Loki's HTTP API (and Sawmill's, which is the same). Errors from the server are raised as
/// <see cref="ClientException"/> carrying the server's own text. Retries (logcli's <c>--retries</c>) apply to
/// 5xx and 429 answers and to connection failures.
/// </summary>
internal sealed class LokiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ClientSettings _settings;

    public LokiClient(ClientSettings settings)
    {
        _settings = settings;
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = settings.Compress ? DecompressionMethods.GZip : DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(handler) { BaseAddress = settings.Address, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("sawmill-cli/" + BuildInfo.Version);
    }

    public static string Path(string path, IEnumerable<KeyValuePair<string, string?>> query)
    {
        var sb = new StringBuilder(path);
        var first = true;
        foreach (var (k, v) in query)
        {
            if (v == null)
                continue;
            sb.Append(first ? '?' : '&').Append(Uri.EscapeDataString(k)).Append('=').Append(Uri.EscapeDataString(v));
            first = false;
        }
        return sb.ToString();
    }

    /// <summary>The absolute URL of a request path, for the "query metadata" line logcli prints.</summary>
    public string Url(string pathAndQuery) => new Uri(_settings.Address, pathAndQuery).AbsoluteUri;

    public async Task<JsonDocument> GetJsonAsync(string pathAndQuery, CancellationToken ct)
    {
        var attempt = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
            AddHeaders(request.Headers);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested)
            {
                if (attempt++ < _settings.Retries)
                {
                    await Backoff(attempt, ct);
                    continue;
                }
                throw new ClientException($"error sending request to {Url(pathAndQuery)}: {e.Message}");
            }
            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(ct);
                    return await JsonDocument.ParseAsync(body, cancellationToken: ct);
                }
                var text = (await response.Content.ReadAsStringAsync(ct)).TrimEnd();
                var retryable = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
                if (retryable && attempt++ < _settings.Retries)
                {
                    await Backoff(attempt, ct);
                    continue;
                }
                throw new ClientException(
                    $"Error response from server: {text} ({(int)response.StatusCode} {response.ReasonPhrase})");
            }
        }
    }

    /// <summary>Opens Loki's tail websocket and yields each message's JSON until cancelled or closed by the server.</summary>
    public async IAsyncEnumerable<JsonDocument> TailAsync(string pathAndQuery,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var ub = new UriBuilder(new Uri(_settings.Address, pathAndQuery));
        ub.Scheme = ub.Scheme == "https" ? "wss" : "ws";
        using var ws = new ClientWebSocket();
        if (_settings.OrgId != null)
            ws.Options.SetRequestHeader("X-Scope-OrgID", _settings.OrgId);
        var auth = AuthorizationValue();
        if (auth != null)
            ws.Options.SetRequestHeader(_settings.AuthHeader, auth);
        try
        {
            await ws.ConnectAsync(ub.Uri, ct);
        }
        catch (WebSocketException e)
        {
            throw new ClientException($"error connecting to {ub.Uri}: {e.Message}");
        }
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (!ct.IsCancellationRequested)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await ws.ReceiveAsync(buffer, ct);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            catch (WebSocketException e)
            {
                throw new ClientException($"tail connection lost: {e.Message}");
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                var reason = ws.CloseStatusDescription;
                if (!string.IsNullOrEmpty(reason) && ws.CloseStatus != WebSocketCloseStatus.NormalClosure)
                    throw new ClientException($"Error response from server: {reason}");
                yield break;
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
                continue;
            var doc = JsonDocument.Parse(message.ToArray());
            message.SetLength(0);
            yield return doc;
        }
    }

    private void AddHeaders(HttpRequestHeaders headers)
    {
        if (_settings.OrgId != null)
            headers.Add("X-Scope-OrgID", _settings.OrgId);
        if (_settings.QueryTags != null)
            headers.Add("X-Query-Tags", _settings.QueryTags);
        var auth = AuthorizationValue();
        if (auth != null)
            headers.TryAddWithoutValidation(_settings.AuthHeader, auth);
    }

    private string? AuthorizationValue()
    {
        if (_settings.BearerToken != null)
            return "Bearer " + _settings.BearerToken;
        if (_settings.Username != null || _settings.Password != null)
            return "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_settings.Username}:{_settings.Password}"));
        return null;
    }

    private Task Backoff(int attempt, CancellationToken ct)
    {
        var min = _settings.MinBackoff > TimeSpan.Zero ? _settings.MinBackoff : TimeSpan.FromMilliseconds(100);
        var max = _settings.MaxBackoff > TimeSpan.Zero ? _settings.MaxBackoff : TimeSpan.FromSeconds(10);
        var delay = TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, attempt - 1)));
        delay += TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * delay.TotalMilliseconds * 0.2);
        return Task.Delay(delay, ct);
    }

    public static string Ns(long ns) => ns.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _http.Dispose();
}
