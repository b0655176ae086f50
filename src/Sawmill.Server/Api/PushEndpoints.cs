using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sawmill.Server.Hosting;
using Sawmill.Server.Protocol;

namespace Sawmill.Server.Api;

/// <summary>
/// <c>POST /loki/api/v1/push</c> (and the legacy <c>/api/prom/push</c>): protobuf+snappy or JSON, optionally gzip
/// (<c>Content-Encoding: gzip</c>). 204 once every valid entry is durable; 400 with Loki's texts for invalid entries
/// (the valid ones are kept); 413 for a body over <c>distributor.max_recv_msg_size</c>; 429 on rate limits.
/// </summary>
public static class PushEndpoints
{
    public static void Map(WebApplication app, ServerContext ctx)
    {
        app.MapPost("/loki/api/v1/push", (HttpContext http) => PushAsync(http, ctx));
        app.MapPost("/api/prom/push", (HttpContext http) => PushAsync(http, ctx));
    }

    private static async Task PushAsync(HttpContext http, ServerContext ctx)
    {
        var tenant = TenantResolver.Single(http, ctx.Config.AuthEnabled);
        var body = await ReadBodyAsync(http.Request, ctx.Config.MaxRecvMsgSize, http.RequestAborted);
        var contentType = http.Request.ContentType ?? "";
        List<RawStream> streams;
        if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            streams = JsonPushDecoder.Decode(body);
        }
        else if (contentType.Length == 0 || contentType.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) ||
                 contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            byte[] raw;
            try
            {
                var length = Snappier.Snappy.GetUncompressedLength(body.Span);
                if (length > ctx.Config.MaxRecvMsgSize)
                    throw new ApiException(413, $"message larger than max ({length} vs {ctx.Config.MaxRecvMsgSize})");
                raw = Snappier.Snappy.DecompressToArray(body.Span);
            }
            catch (InvalidDataException e)
            {
                throw new PushDecodeException("invalid snappy-compressed protobuf body: " + e.Message);
            }
            streams = ProtobufPushDecoder.Decode(raw);
        }
        else
        {
            throw new ApiException(415, $"unsupported Content-Type \"{contentType}\": use application/x-protobuf (snappy) or application/json");
        }

        var outcome = await ctx.Distributor.PushAsync(tenant, streams, http.RequestAborted);
        http.Response.StatusCode = outcome.Status;
        if (outcome.Body != null)
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(outcome.Body + "\n", http.RequestAborted);
        }
    }

    /// <summary>Reads the body, gunzipping when asked, and enforces the size limit on the decompressed bytes too.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, long max, CancellationToken ct)
    {
        if (request.ContentLength > max)
            throw new ApiException(413, $"message larger than max ({request.ContentLength} vs {max})");
        Stream source = request.Body;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            source = new GZipStream(source, CompressionMode.Decompress);
        else if (encoding.Equals("deflate", StringComparison.OrdinalIgnoreCase))
            source = new ZLibStream(source, CompressionMode.Decompress);
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"unsupported Content-Encoding \"{encoding}\": use gzip or none");
        var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength : 64 * 1024);
        var chunk = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await source.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + n > max)
                    throw new ApiException(413, $"message larger than max ({buffer.Length + n} vs {max})");
                buffer.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new PushDecodeException("invalid gzip body: " + e.Message);
        }
        finally
        {
            if (!ReferenceEquals(source, request.Body))
                await source.DisposeAsync();
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
