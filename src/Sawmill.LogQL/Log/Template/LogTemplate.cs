using System.Text;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Go templates as LogQL's <c>line_format</c> and <c>label_format</c> run them: parsed with Loki's function set, data
/// is the entry's label map, and functions see the entry and line through a <see cref="TemplateContext"/>.
/// </summary>
internal static class LogTemplate
{
    /// <exception cref="ArgumentException">A syntax error, worded like Go's (<c>template: line:1: …</c>).</exception>
    public static GoTemplate Parse(string text) => GoTemplate.Parse(text, LokiTemplateFunctions.Set);

    /// <summary>True when the template calls <c>__line__</c> (the caller then materialises the line as a string).</summary>
    public static bool UsesLine(this GoTemplate template) => template.Calls("__line__");

    /// <summary>Runs the template over an entry and appends the output.</summary>
    /// <exception cref="TemplateException">An execution error (Loki turns it into TemplateFormatErr).</exception>
    public static void Execute(this GoTemplate template, EntryState entry, string? line, StringBuilder output) =>
        template.Execute(output, new TemplateData(entry), new TemplateContext(entry, line));

    /// <summary>Runs the template over an entry and returns the output.</summary>
    public static string Execute(this GoTemplate template, EntryState entry, string? line)
    {
        var sb = new StringBuilder();
        template.Execute(entry, line, sb);
        return sb.ToString();
    }
}
