using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sawmill.Logging.Formatting;

/// <summary>
/// Per-thread scratch space for formatting one event: the UTF-8 output buffer, its JSON writer and the set of
/// property names already written. <see cref="Rent"/> hands out the thread's instance (or a fresh one when a
/// value's ToString logs re-entrantly on the same thread); <see cref="Return"/> must follow in a finally.
/// The written bytes are valid until <see cref="Return"/>.
/// </summary>
internal sealed class JsonLogBuffer
{
    private const int KeepCapacity = 64 * 1024;

    // Relaxed escaping keeps lines readable ('+', '<', non-ASCII letters stay as they are); the output is a log
    // line, never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static JsonLogBuffer? t_cached;

    private ArrayBufferWriter<byte> _buffer = new(1024);
    private bool _inUse;

    private JsonLogBuffer() => Writer = new Utf8JsonWriter(_buffer, WriterOptions);

    public Utf8JsonWriter Writer { get; private set; }

    public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

    public List<string> ScopeStrings { get; } = [];

    /// <summary>Layout of the event being written (read by the scope callback).</summary>
    public JsonLogLayout Layout { get; set; } = null!;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public static JsonLogBuffer Rent()
    {
        var b = t_cached;
        if (b == null || b._inUse)
        {
            b = new JsonLogBuffer();
            t_cached ??= b;
        }
        b._inUse = true;
        b._buffer.ResetWrittenCount();
        b.Writer.Reset(b._buffer);
        b.Seen.Clear();
        b.ScopeStrings.Clear();
        return b;
    }

    public void Return()
    {
        // A rare huge event must not pin a huge buffer to the thread for good.
        if (_buffer.Capacity > KeepCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(1024);
            Writer = new Utf8JsonWriter(_buffer, WriterOptions);
        }
        _inUse = false;
    }
}
