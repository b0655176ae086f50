using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sawmill.GoCompat;

/// <summary>
/// One template function: its arguments are the evaluated operands (strings, longs, doubles, bools, times, lists, maps);
/// <paramref name="context"/> is what the caller passed to <see cref="GoTemplate.Execute(System.Text.StringBuilder, object?, object?, IEnumerable{KeyValuePair{string, object?}}?)"/>
/// (e.g. the log entry for LogQL's <c>__line__</c>, the rule's query engine for Prometheus's <c>query</c>).
/// </summary>
public delegate object? TemplateFunction(object? context, object?[] args);

/// <summary>
/// The functions a template may call: Go's builtins plus the sets a caller adds (sprig's, Loki's, Promtail's,
/// Prometheus's). As with Go's <c>Template.Funcs</c>, added functions take precedence over builtins of the same name.
/// Immutable; <see cref="With"/> returns a new set.
/// </summary>
public sealed class TemplateFunctionSet
{
    private readonly Dictionary<string, TemplateFunction> _functions;

    private TemplateFunctionSet(Dictionary<string, TemplateFunction> functions) => _functions = functions;

    /// <summary>Go's <c>text/template</c> builtins only.</summary>
    public static TemplateFunctionSet Builtins { get; } = new(new Dictionary<string, TemplateFunction>(GoBuiltins.Functions, StringComparer.Ordinal));

    /// <summary>This set plus <paramref name="functions"/>, which replace functions of the same name.</summary>
    public TemplateFunctionSet With(IEnumerable<KeyValuePair<string, TemplateFunction>> functions)
    {
        var d = new Dictionary<string, TemplateFunction>(_functions, StringComparer.Ordinal);
        foreach (var (name, fn) in functions)
            d[name] = fn;
        return new TemplateFunctionSet(d);
    }

    public bool Defines(string name) => _functions.ContainsKey(name);

    /// <summary>Calls a function; errors other than <see cref="TemplateException"/> become Go's <c>error calling NAME: …</c>.</summary>
    public object? Call(string name, object? context, object?[] args)
    {
        if (!_functions.TryGetValue(name, out var fn))
            throw new TemplateException($"template: function \"{name}\" not defined");
        try
        {
            return fn(context, args);
        }
        catch (TemplateException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or DivideByZeroException or InvalidOperationException or RegexMatchTimeoutException or JsonException or IndexOutOfRangeException)
        {
            throw new TemplateException($"error calling {name}: {e.Message}");
        }
    }
}

/// <summary>Argument checks and conversions that template functions share (Go's error texts, sprig's lenient casts).</summary>
public static class TemplateArgs
{
    public static void Arity(object?[] a, int n, string name)
    {
        if (a.Length != n)
            throw new TemplateException($"wrong number of args for {name}: want {n} got {a.Length}");
    }

    public static void MinArity(object?[] a, int n, string name)
    {
        if (a.Length < n)
            throw new TemplateException($"wrong number of args for {name}: want at least {n} got {a.Length}");
    }

    public static string S(object? v) => GoValues.ToStr(v);

    public static long I(object? v) => GoValues.ToInt64(v);

    public static double F(object? v) => GoValues.ToFloat64(v);

    public static TemplateFunction Str1(string name, Func<string, object?> f) => (_, a) =>
    {
        Arity(a, 1, name);
        return f(S(a[0]));
    };

    public static TemplateFunction Str2(string name, Func<string, string, object?> f) => (_, a) =>
    {
        Arity(a, 2, name);
        return f(S(a[0]), S(a[1]));
    };

    public static TemplateFunction Str3(string name, Func<string, string, string, object?> f) => (_, a) =>
    {
        Arity(a, 3, name);
        return f(S(a[0]), S(a[1]), S(a[2]));
    };

    /// <summary>A Unix nanosecond timestamp as Go's <c>time.Time</c> in UTC.</summary>
    public static DateTimeOffset FromUnixNanos(long ns) => new(DateTime.UnixEpoch.Ticks + ns / 100, TimeSpan.Zero);

    public static long UnixNanos(DateTimeOffset t) => (t.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>sprig's date argument: a time, or unix seconds as a number.</summary>
    public static DateTimeOffset ToTime(object? v) => v switch
    {
        DateTimeOffset t => t,
        long l => DateTimeOffset.FromUnixTimeSeconds(l),
        int i => DateTimeOffset.FromUnixTimeSeconds(i),
        double d => DateTimeOffset.FromUnixTimeSeconds((long)d),
        _ => DateTimeOffset.UtcNow,
    };
}
