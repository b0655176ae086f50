using System.Text;

namespace Sawmill.LogQL.Log;

/// <summary>
/// A compact implementation of Go's <c>text/template</c> for <c>line_format</c> and <c>label_format</c>: text and
/// actions with trim markers, comments, pipelines, variables (<c>$x := …</c>, <c>$x = …</c>, <c>$</c>), fields
/// (<c>.a.b</c>), parenthesised pipelines, <c>if/else if/else</c>, <c>range</c> (with <c>break</c>/<c>continue</c>),
/// <c>with</c>, Go's builtins (<c>and or not len index print printf println eq ne lt le gt ge slice urlquery html
/// js</c>) and Loki's function set (<see cref="TemplateFunctions"/>). The data is the entry's label map with
/// <c>missingkey=zero</c> (a missing label is ""). Parsed once, immutable, thread-safe to execute.
/// </summary>
public sealed partial class GoTemplate
{
    private readonly Node[] _root;

    private GoTemplate(string text, Node[] root, bool usesLine, IReadOnlyCollection<string>? fields)
    {
        Text = text;
        _root = root;
        UsesLine = usesLine;
        ReferencedFields = fields;
    }

    public string Text { get; }

    /// <summary>True when the template calls <c>__line__</c> (the executor then materialises the line as a string).</summary>
    public bool UsesLine { get; }

    /// <summary>Top-level label names the template reads (<c>.name</c>), or null when it may read any (uses <c>.</c> or <c>$</c> as a whole).</summary>
    public IReadOnlyCollection<string>? ReferencedFields { get; }

    /// <summary>Parses a template.</summary>
    /// <exception cref="ArgumentException">A syntax error, worded like Go's (<c>template: line:1: …</c>).</exception>
    public static GoTemplate Parse(string text)
    {
        var parser = new Parser(text);
        var root = parser.ParseRoot();
        return new GoTemplate(text, root, parser.UsesLine, parser.WholeDataUsed ? null : parser.Fields.ToArray());
    }

    /// <summary>
    /// Parses a template that may also call <paramref name="functions"/> (for templates run with
    /// <see cref="Execute(object?, IEnumerable{KeyValuePair{string, object?}}, ITemplateFunctions?)"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A syntax error, worded like Go's (<c>template: line:1: …</c>).</exception>
    public static GoTemplate Parse(string text, ITemplateFunctions? functions)
    {
        var parser = new Parser(text) { Extra = functions };
        var root = parser.ParseRoot();
        return new GoTemplate(text, root, parser.UsesLine, parser.WholeDataUsed ? null : parser.Fields.ToArray());
    }

    /// <summary>
    /// Runs the template outside a log pipeline: <paramref name="dot"/> is <c>.</c> (and <c>$</c>); dictionaries,
    /// lists and <see cref="ITemplateFields"/> values are navigable with <c>.a.b</c>; <paramref name="variables"/> are
    /// predeclared (names with their <c>$</c>); <paramref name="functions"/> add to or override the built-ins.
    /// </summary>
    /// <exception cref="TemplateException">An execution error.</exception>
    public string Execute(object? dot, IEnumerable<KeyValuePair<string, object?>> variables, ITemplateFunctions? functions)
    {
        var sb = new StringBuilder();
        new Executor(this, null, null, sb, functions).Run(_root, dot, variables);
        return sb.ToString();
    }

    /// <summary>Go's <c>fmt.Sprintf</c> as templates' <c>printf</c> implements it.</summary>
    public static string Sprintf(string format, params object?[] args) => GoPrintf.Format(format, args);

    /// <summary>A value as a template prints it (Go's <c>%v</c>: floats shortest, <c>&lt;no value&gt;</c> for nil).</summary>
    public static string Print(object? value) => GoValues.ToText(value);

    /// <summary>Runs the template over an entry and appends the output.</summary>
    /// <exception cref="TemplateException">An execution error (Loki turns it into TemplateFormatErr).</exception>
    public void Execute(EntryState entry, string? line, StringBuilder output)
    {
        var exec = new Executor(this, entry, line, output);
        exec.Run(_root);
    }

    /// <summary>Runs the template and returns the output.</summary>
    public string Execute(EntryState entry, string? line)
    {
        var sb = new StringBuilder();
        Execute(entry, line, sb);
        return sb.ToString();
    }
}
