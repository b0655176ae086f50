using System.Text;
using Sawmill.Core;

namespace Sawmill.Server.Protocol;

/// <summary>
/// Decodes Loki's <c>logproto.PushRequest</c> (already snappy-decompressed) without Google.Protobuf: lines stay slices
/// of the request buffer (no copy, no string). Unknown fields are skipped as protobuf requires. Throws
/// <see cref="PushDecodeException"/> on malformed input; never reads out of bounds.
/// </summary>
public static class ProtobufPushDecoder
{
    public static List<RawStream> Decode(ReadOnlyMemory<byte> body)
    {
        var streams = new List<RawStream>();
        var span = body.Span;
        var pos = 0;
        while (pos < span.Length)
        {
            var (field, wire) = ReadTag(span, ref pos);
            if (field == 1 && wire == 2)
            {
                var len = ReadLength(span, ref pos);
                streams.Add(DecodeStream(body.Slice(pos, len)));
                pos += len;
            }
            else
            {
                Skip(span, ref pos, wire);
            }
        }
        return streams;
    }

    private static RawStream DecodeStream(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var pos = 0;
        var labels = "";
        var entries = new List<PushEntry>();
        while (pos < span.Length)
        {
            var (field, wire) = ReadTag(span, ref pos);
            if (field == 1 && wire == 2)
            {
                var len = ReadLength(span, ref pos);
                labels = Utf8(span.Slice(pos, len), "labels");
                pos += len;
            }
            else if (field == 2 && wire == 2)
            {
                var len = ReadLength(span, ref pos);
                entries.Add(DecodeEntry(body.Slice(pos, len)));
                pos += len;
            }
            else
            {
                Skip(span, ref pos, wire);
            }
        }
        return new RawStream(labels, entries);
    }

    private static PushEntry DecodeEntry(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        var pos = 0;
        long seconds = 0, nanos = 0;
        ReadOnlyMemory<byte> line = ReadOnlyMemory<byte>.Empty;
        List<Label>? metadata = null;
        while (pos < span.Length)
        {
            var (field, wire) = ReadTag(span, ref pos);
            switch (field)
            {
                case 1 when wire == 2:
                {
                    var len = ReadLength(span, ref pos);
                    var ts = span.Slice(pos, len);
                    var p = 0;
                    while (p < ts.Length)
                    {
                        var (f, w) = ReadTag(ts, ref p);
                        if (f == 1 && w == 0)
                            seconds = (long)ReadVarint(ts, ref p);
                        else if (f == 2 && w == 0)
                            nanos = (int)ReadVarint(ts, ref p);
                        else
                            Skip(ts, ref p, w);
                    }
                    pos += len;
                    break;
                }
                case 2 when wire == 2:
                {
                    var len = ReadLength(span, ref pos);
                    line = body.Slice(pos, len);
                    pos += len;
                    break;
                }
                case 3 when wire == 2:
                {
                    var len = ReadLength(span, ref pos);
                    var pair = span.Slice(pos, len);
                    string name = "", value = "";
                    var p = 0;
                    while (p < pair.Length)
                    {
                        var (f, w) = ReadTag(pair, ref p);
                        if (w == 2 && f is 1 or 2)
                        {
                            var l = ReadLength(pair, ref p);
                            var s = Utf8(pair.Slice(p, l), "structured metadata");
                            p += l;
                            if (f == 1)
                                name = s;
                            else
                                value = s;
                        }
                        else
                        {
                            Skip(pair, ref p, w);
                        }
                    }
                    (metadata ??= []).Add(new Label(name, value));
                    pos += len;
                    break;
                }
                default:
                    Skip(span, ref pos, wire);
                    break;
            }
        }
        return new PushEntry(seconds * TimeNs.PerSecond + nanos, line, metadata?.ToArray());
    }

    private static string Utf8(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PushDecodeException($"invalid UTF-8 in {what}");
        }
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private static (int Field, int Wire) ReadTag(ReadOnlySpan<byte> span, ref int pos)
    {
        var tag = ReadVarint(span, ref pos);
        var field = (int)(tag >> 3);
        if (field == 0)
            throw new PushDecodeException("malformed protobuf: field number 0");
        return (field, (int)(tag & 7));
    }

    private static int ReadLength(ReadOnlySpan<byte> span, ref int pos)
    {
        var len = ReadVarint(span, ref pos);
        if (len > (ulong)(span.Length - pos))
            throw new PushDecodeException("malformed protobuf: length runs past the end of the message");
        return (int)len;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= span.Length)
                throw new PushDecodeException("malformed protobuf: truncated varint");
            var b = span[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
                return result;
        }
        throw new PushDecodeException("malformed protobuf: varint too long");
    }

    private static void Skip(ReadOnlySpan<byte> span, ref int pos, int wire)
    {
        switch (wire)
        {
            case 0:
                ReadVarint(span, ref pos);
                break;
            case 1:
                if (span.Length - pos < 8)
                    throw new PushDecodeException("malformed protobuf: truncated fixed64");
                pos += 8;
                break;
            case 2:
                pos += ReadLength(span, ref pos);
                break;
            case 5:
                if (span.Length - pos < 4)
                    throw new PushDecodeException("malformed protobuf: truncated fixed32");
                pos += 4;
                break;
            default:
                throw new PushDecodeException($"malformed protobuf: unsupported wire type {wire}");
        }
    }
}
