using Sawmill.Core;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// <c>| label_format dst=src, dst2="{{.a}}-{{.b}}"</c>: renames (<c>dst=src</c> moves the value and removes
/// <c>src</c>, nothing happens when <c>src</c> is absent) and templated values, applied in order. Templates see the
/// labels as they are when the first template runs. A template error sets <c>__error__="TemplateFormatErr"</c>
/// and leaves that label alone.
/// </summary>
public sealed class LabelFormatStage : Stage
{
    private readonly (string Name, string Source, GoTemplate? Template)[] _formats;

    /// <param name="formats">Each: the destination name, the source label (rename) or template text, and whether it is a rename.</param>
    /// <exception cref="ArgumentException">A template does not parse, a name repeats, or <c>__error__</c> is a destination.</exception>
    public LabelFormatStage(IReadOnlyList<(string Name, string Value, bool Rename)> formats)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        _formats = new (string, string, GoTemplate?)[formats.Count];
        for (var i = 0; i < formats.Count; i++)
        {
            var (name, value, rename) = formats[i];
            if (name == EntryState.ErrorLabel)
                throw new ArgumentException($"{name} cannot be formatted");
            if (!seen.Add(name))
                throw new ArgumentException($"multiple label name '{name}' not allowed in a single format operation");
            GoTemplate? t = null;
            if (!rename)
            {
                try
                {
                    t = LogTemplate.Parse(value);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"invalid template for label '{name}': {e.Message}", e);
                }
            }
            _formats[i] = (name, value, t);
        }
    }

    public override object? CreateStreamState(Labels streamLabels) => new System.Text.StringBuilder(64);

    public override bool Process(EntryState entry, object? streamState, ref ReadOnlySpan<byte> line)
    {
        var sb = (System.Text.StringBuilder)streamState!;
        string? lineText = null;
        List<(string Name, string Value)>? results = null;
        foreach (var (name, source, template) in _formats)
        {
            if (template == null)
            {
                var v = entry.Get(source);
                if (v != null)
                {
                    var category = entry.CategoryOf(source) ?? LabelCategory.Parsed;
                    entry.Delete(source);
                    entry.Set(category, name, v);
                }
                continue;
            }
            if (template.UsesLine())
                lineText ??= System.Text.Encoding.UTF8.GetString(line);
            sb.Clear();
            try
            {
                template.Execute(entry, lineText, sb);
            }
            catch (TemplateException e)
            {
                entry.SetError(LineFormatStage.TemplateFormatError, e.Message);
                continue;
            }
            (results ??= []).Add((name, entry.Interner.Get(System.Text.Encoding.UTF8.GetBytes(sb.ToString()))));
        }
        // Templates all read the labels as they were before this stage's template writes.
        if (results != null)
            foreach (var (name, value) in results)
                entry.Set(LabelCategory.Parsed, name, value);
        return true;
    }

    public override IReadOnlyCollection<string>? ReferencedLabels
    {
        get
        {
            var names = new List<string>();
            foreach (var (_, source, template) in _formats)
            {
                if (template == null)
                    names.Add(source);
                else if (template.ReferencedFields == null)
                    return null;
                else
                    names.AddRange(template.ReferencedFields);
            }
            return names;
        }
    }
}
