using System.Buffers;
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
        // The body and its snappy-decompressed form are pooled: decoded lines are slices of them until the push is
        // answered (the store copies what it keeps; live tail copies what it queues), then they go back to the pool.
        byte[]? bodyBuffer = null, rawBuffer = null;
        try
        {
            var (buffer, length) = await ReadBodyAsync(http.Request, ctx.Config.MaxRecvMsgSize, http.RequestAborted);
            bodyBuffer = buffer;
            var body = buffer.AsMemory(0, length);
            var contentType = http.Request.ContentType ?? "";
            List<RawStream> streams;
            if (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                streams = JsonPushDecoder.Decode(body);
            }
            else if (contentType.Length == 0 || contentType.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) ||
                     contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                int rawLength;
                try
                {
                    rawLength = Snappier.Snappy.GetUncompressedLength(body.Span);
                    if (rawLength > ctx.Config.MaxRecvMsgSize)
                        throw new ApiException(413, $"message larger than max ({rawLength} vs {ctx.Config.MaxRecvMsgSize})");
                    rawBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(rawLength, 1));
                    var written = Snappier.Snappy.Decompress(body.Span, rawBuffer);
                    if (written != rawLength)
                        throw new InvalidDataException($"decompressed {written} bytes, the header announced {rawLength}");
                }
                catch (InvalidDataException e)
                {
                    throw new PushDecodeException("invalid snappy-compressed protobuf body: " + e.Message);
                }
                streams = ProtobufPushDecoder.Decode(rawBuffer.AsMemory(0, rawLength));
            }
            else
            {
                throw new ApiException(415, $"unsupported Content-Type \"{contentType}\": use application/x-protobuf (snappy) or application/json");
            }

            var outcome = await ctx.Distributor!.PushAsync(tenant, streams, http.RequestAborted);
            http.Response.StatusCode = outcome.Status;
            if (outcome.Body != null)
            {
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(outcome.Body + "\n", http.RequestAborted);
            }
        }
        finally
        {
            if (rawBuffer != null)
                ArrayPool<byte>.Shared.Return(rawBuffer);
            if (bodyBuffer != null)
                ArrayPool<byte>.Shared.Return(bodyBuffer);
        }
    }

    /// <summary>
    /// Reads the body into a buffer rented from the shared pool (the caller returns it), gunzipping when asked, and
    /// enforces the size limit on the decompressed bytes too.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, long max, CancellationToken ct)
    {
        if (request.ContentLength > max)
            throw new ApiException(413, $"message larger than max ({request.ContentLength} vs {max})");
        Stream source = request.Body;
        var encoding = request.Headers.ContentEncoding.ToString();
        var compressed = false;
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
            (source, compressed) = (new GZipStream(source, CompressionMode.Decompress), true);
        else if (encoding.Equals("deflate", StringComparison.OrdinalIgnoreCase))
            (source, compressed) = (new ZLibStream(source, CompressionMode.Decompress), true);
        else if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"unsupported Content-Encoding \"{encoding}\": use gzip or none");
        // Without compression the announced length is the size; one extra byte tells a body longer than announced.
        var initial = !compressed && request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength + 1 : 64 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(initial);
        var length = 0;
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer.AsMemory(length), ct)) > 0)
            {
                length += n;
                if (length > max)
                    throw new ApiException(413, $"message larger than max ({length} vs {max})");
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Math.Max(max + 1, buffer.Length + 1L)));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
            }
            return (buffer, length);
        }
        catch (InvalidDataException e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new PushDecodeException("invalid gzip body: " + e.Message);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            if (!ReferenceEquals(source, request.Body))
                await source.DisposeAsync();
        }
    }
}
