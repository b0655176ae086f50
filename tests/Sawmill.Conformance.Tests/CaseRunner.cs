using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sawmill.Core;
using Sawmill.Core.Protocol;

namespace Sawmill.Conformance;

/// <summary>
/// Sends the corpus to a Loki-compatible server: the data set into every data tenant, then each case as an HTTP
/// request, collecting the answers. The recorder runs it against the oracle Loki, the replay test against Sawmill,
/// so both servers see exactly the same bytes.
/// </summary>
public sealed partial class CaseRunner(HttpClient http)
{
    public async Task PushDataAsync(Corpus corpus, CancellationToken ct = default)
    {
        foreach (var tenant in Corpus.DataTenants)
        {
            foreach (var body in corpus.Pushes)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/loki/api/v1/push")
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("X-Scope-OrgID", tenant);
                using var response = await http.SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException(
                        $"pushing the data set to tenant {tenant} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        }
    }

    public async Task<Answer> RunAsync(ConformanceCase c, CancellationToken ct = default)
    {
        using var request = BuildRequest(c);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return Answer.FromResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, c.Path);
    }

    private static HttpRequestMessage BuildRequest(ConformanceCase c)
    {
        HttpRequestMessage request;
        if (c.Body != null)
        {
            request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Content = new ByteArrayContent(PushBody(c.Body)) };
            if (!string.IsNullOrEmpty(c.ContentType))
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType);
            if (c.ContentEncoding != null)
                request.Content.Headers.ContentEncoding.Add(c.ContentEncoding);
        }
        else if (c.Method == "POST")
        {
            request = new HttpRequestMessage(HttpMethod.Post, c.Path)
            {
                Content = new StringContent(c.QueryString(), Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
        }
        else
        {
            var qs = c.QueryString();
            request = new HttpRequestMessage(HttpMethod.Get, qs.Length > 0 ? c.Path + "?" + qs : c.Path);
        }
        request.Headers.Add("X-Scope-OrgID", c.Tenant);
        return request;
    }

    /// <summary>The bytes of a push case's body (described in generate_cases.py, push_cases).</summary>
    public static byte[] PushBody(JsonObject body)
    {
        byte[] bytes;
        switch (body["kind"]!.GetValue<string>())
        {
            case "json":
                bytes = Encoding.UTF8.GetBytes(Expand(body["text"]!.GetValue<string>()));
                break;
            case "raw":
                bytes = Convert.FromBase64String(body["base64"]!.GetValue<string>());
                break;
            case "proto":
                var streams = body["request"]!["streams"]!.AsArray().Select(s => (
                    Expand(s!["labels"]!.GetValue<string>()),
                    (IReadOnlyList<PushEntry>)s["entries"]!.AsArray().Select(e => new PushEntry(
                        long.Parse(e![0]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                        Encoding.UTF8.GetBytes(Expand(e[1]!.GetValue<string>())),
                        e.AsArray().Count > 2
                            ? e[2]!.AsObject().Select(m => new Label(m.Key, m.Value!.GetValue<string>())).ToArray()
                            : null)).ToList())).ToList();
                bytes = PushRequestEncoder.Encode(streams);
                if (body["snappy"]?.GetValue<string>() == "block")
                    bytes = Snappier.Snappy.CompressToArray(bytes);
                if (body["trailing"] is { } trailing)
                    bytes = [.. bytes, .. Convert.FromBase64String(trailing.GetValue<string>())];
                break;
            default:
                throw new InvalidDataException("unknown push body kind " + body["kind"]);
        }
        if (body["gzip"]?.GetValue<bool>() == true)
        {
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
                gz.Write(bytes);
            bytes = ms.ToArray();
        }
        if (body["deflate"]?.GetValue<bool>() == true)
        {
            using var ms = new MemoryStream();
            using (var deflate = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true))
                deflate.Write(bytes);
            bytes = ms.ToArray();
        }
        return bytes;
    }

    /// <summary>Expands <c>&lt;&lt;repeat C N&gt;&gt;</c> (character C, N times).</summary>
    private static string Expand(string s) =>
        RepeatToken().Replace(s, m => new string(m.Groups[1].Value[0], int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"<<repeat (.) (\d+)>>")]
    private static partial Regex RepeatToken();
}
