using System.Text;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| line_format "{{.level}} {{.msg}}"</c>: the line becomes the template's output over the entry's labels.
/// An execution error keeps the line and sets <c>__error__="TemplateFormatErr"</c> with the details.
/// </summary>
public sealed class LineFormatStage : Stage
{
    public const string TemplateFormatError = "TemplateFormatErr";

    private readonly GoTemplate _template;

    /// <exception cref="ArgumentException">The template does not parse (<c>invalid line template: …</c>).</exception>
    public LineFormatStage(string template)
    {
        try
        {
            _template = LogTemplate.Parse(template);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("invalid line template: " + e.Message, e);
        }
    }

    public override object? CreateStreamState(Sawmill.Core.Labels streamLabels) => new StringBuilder(256);

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var sb = (StringBuilder)streamState!;
        sb.Clear();
        try
        {
            _template.Execute(entry, _template.UsesLine() ? Encoding.UTF8.GetString(line) : null, sb);
        }
        catch (TemplateException e)
        {
            entry.SetError(TemplateFormatError, e.Message);
            return true;
        }
        var n = Encoding.UTF8.GetMaxByteCount(sb.Length);
        var buffer = entry.RentLineBuffer(n);
        var written = 0;
        foreach (var chunk in sb.GetChunks())
            written += Encoding.UTF8.GetBytes(chunk.Span, buffer.AsSpan(written));
        line = buffer.AsSpan(0, written);
        return true;
    }

    public override IReadOnlyCollection<string>? ReferencedLabels => _template.ReferencedFields;
}
