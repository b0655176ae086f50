using System.Text;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's <c>text/template</c>: text and actions with trim markers, comments, pipelines, variables (<c>$x := …</c>,
/// <c>$x = …</c>, <c>$</c>), fields (<c>.a.b</c>), parenthesised pipelines, <c>if/else if/else</c>, <c>range</c>
/// (with <c>break</c>/<c>continue</c>), <c>with</c>, Go's builtins and the functions of a
/// <see cref="TemplateFunctionSet"/> (Loki's for LogQL, Promtail's for the agent, Prometheus's for alert templates).
/// Data is navigable when it is a <see cref="ITemplateMap"/>, a dictionary, a list or <see cref="ITemplateFields"/>.
/// Parsed once, immutable, thread-safe to execute.
/// </summary>
public sealed partial class GoTemplate
{
    private readonly Node[] _root;
    private readonly HashSet<string> _called;

    private GoTemplate(string text, Node[] root, TemplateFunctionSet functions, HashSet<string> called, IReadOnlyCollection<string>? fields)
    {
        Text = text;
        _root = root;
        Functions = functions;
        _called = called;
        ReferencedFields = fields;
    }

    public string Text { get; }

    public TemplateFunctionSet Functions { get; }

    /// <summary>Top-level field names the template reads (<c>.name</c>), or null when it may read any (uses <c>.</c> or <c>$</c> as a whole).</summary>
    public IReadOnlyCollection<string>? ReferencedFields { get; }

    /// <summary>True when the template calls <paramref name="function"/> somewhere (e.g. LogQL's <c>__line__</c>).</summary>
    public bool Calls(string function) => _called.Contains(function);

    /// <summary>Parses a template that may call <paramref name="functions"/> (Go's builtins when null).</summary>
    /// <exception cref="ArgumentException">A syntax error, worded like Go's (<c>template: line:1: …</c>).</exception>
    public static GoTemplate Parse(string text, TemplateFunctionSet? functions = null)
    {
        functions ??= TemplateFunctionSet.Builtins;
        var parser = new Parser(text, functions);
        var root = parser.ParseRoot();
        return new GoTemplate(text, root, functions, parser.Called, parser.WholeDataUsed ? null : parser.Fields.ToArray());
    }

    /// <summary>
    /// Runs the template and appends its output: <paramref name="dot"/> is <c>.</c> (and <c>$</c>),
    /// <paramref name="context"/> is handed to every function call, <paramref name="variables"/> are predeclared
    /// (names with their <c>$</c>).
    /// </summary>
    /// <exception cref="TemplateException">An execution error.</exception>
    public void Execute(StringBuilder output, object? dot, object? context = null, IEnumerable<KeyValuePair<string, object?>>? variables = null) =>
        new Executor(this, output, context).Run(_root, dot, variables);

    /// <summary>Runs the template and returns its output.</summary>
    /// <exception cref="TemplateException">An execution error.</exception>
    public string Execute(object? dot, object? context = null, IEnumerable<KeyValuePair<string, object?>>? variables = null)
    {
        var sb = new StringBuilder();
        Execute(sb, dot, context, variables);
        return sb.ToString();
    }

    /// <summary>Go's <c>fmt.Sprintf</c> as templates' <c>printf</c> implements it.</summary>
    public static string Sprintf(string format, params object?[] args) => GoPrintf.Format(format, args);

    /// <summary>A value as a template prints it (Go's <c>%v</c>: floats shortest, <c>&lt;no value&gt;</c> for nil).</summary>
    public static string Print(object? value) => GoValues.ToText(value);
}
