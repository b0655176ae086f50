using System.Text;

namespace Sawmill.GoCompat.Tests;

/// <summary>The text/template engine with Go's builtins and the shared sprig/strings functions (expected outputs are Go's).</summary>
public sealed class TemplateTests
{
    private static readonly TemplateFunctionSet Common = TemplateFunctionSet.Builtins.With(SprigFunctions.GoStrings).With(SprigFunctions.Sprig);

    private static string Run(string template, object? dot = null, TemplateFunctionSet? functions = null) =>
        GoTemplate.Parse(template, functions ?? Common).Execute(dot);

    [Theory]
    [InlineData("{{ printf \"%.2f\" 3.14159 }}", "3.14")]
    [InlineData("{{ printf \"%5.1f|%-4d|%04d\" 2.26 7 42 }}", "  2.3|7   |0042")]
    [InlineData("{{ printf \"%s=%d %q\" \"a\" 5 \"x\\\"y\" }}", "a=5 \"x\\\"y\"")]
    [InlineData("{{ printf \"%x %X %o\" 255 255 8 }}", "ff FF 10")]
    [InlineData("{{ printf \"%e\" 1234.5678 }}", "1.234568e+03")]
    [InlineData("{{ printf \"%d%%\" 50 }}", "50%")]
    [InlineData("{{ printf \"%s\" 5 }}", "%!s(int=5)")]
    public void Printf_formats_like_fmt_Sprintf(string template, string expected) => Assert.Equal(expected, Run(template));

    [Theory]
    [InlineData("{{ if eq .a \"x\" \"y\" }}yes{{ else }}no{{ end }}", "yes")]
    [InlineData("{{ with .b }}[{{ . }}]{{ else }}none{{ end }}", "[2]")]
    [InlineData("{{ range $i, $v := .list }}{{ $i }}={{ $v }};{{ end }}", "0=p;1=q;")]
    [InlineData("{{ $x := \"v\" }}{{ $x = print $x \"w\" }}{{ $x }}", "vw")]
    [InlineData("{{ len .list }} {{ index .list 1 }} {{ .missing }}", "2 q <no value>")]
    [InlineData("{{- \"  a \" -}}  |  {{- \"b\" }}", "  a |b")]
    [InlineData("{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ not true }}", "0 3 false")]
    public void Control_flow_variables_and_builtins(string template, string expected)
    {
        var data = new Dictionary<string, object?> { ["a"] = "y", ["b"] = 2L, ["list"] = new List<object?> { "p", "q" } };
        Assert.Equal(expected, Run(template, data));
    }

    [Theory]
    [InlineData("{{ ToUpper \"ab\" }} {{ \"AB\" | lower }}", "AB ab")]
    [InlineData("{{ TrimPrefix \"abc\" \"a\" }} {{ trimPrefix \"a\" \"abc\" }}", "bc bc")]
    [InlineData("{{ Replace \"aaa\" \"a\" \"b\" 2 }} {{ replace \"a\" \"b\" \"aaa\" }}", "bba bbb")]
    [InlineData("{{ regexReplaceAll \"a(b)\" \"xabx\" \"<$1>\" }}", "x<b>x")]
    [InlineData("{{ regexReplaceAll \"a(b)\" \"xabx\" \"<${2}>\" }}", "x<>x")]
    [InlineData("{{ regexReplaceAllLiteral \"a(b)\" \"xabx\" \"<$1>\" }}", "x<$1>x")]
    [InlineData("{{ default \"d\" \"\" }} {{ default \"d\" \"v\" }}", "d v")]
    [InlineData("{{ add 1 2 }} {{ mulf 1.5 2 }} {{ max 3 9 4 }}", "3 3 9")]
    [InlineData("{{ substr 1 3 \"héllo\" }} {{ trunc 2 \"héllo\" }}", "él hé")]
    public void Strings_and_sprig_functions(string template, string expected) => Assert.Equal(expected, Run(template));

    [Fact]
    public void Unknown_functions_fail_at_parse_time_with_gos_text()
    {
        var e = Assert.Throws<ArgumentException>(() => GoTemplate.Parse("{{ nosuch 1 }}"));
        Assert.Equal("template: line:1: function \"nosuch\" not defined", e.Message);
        // Builtins alone do not include sprig.
        Assert.Throws<ArgumentException>(() => GoTemplate.Parse("{{ upper \"a\" }}", TemplateFunctionSet.Builtins));
    }

    [Fact]
    public void Added_functions_override_builtins_and_see_the_context()
    {
        var set = TemplateFunctionSet.Builtins.With([KeyValuePair.Create<string, TemplateFunction>("len", (ctx, a) => $"{ctx}:{a[0]}")]);
        var t = GoTemplate.Parse("{{ len \"abc\" }}", set);
        Assert.Equal("ctx:abc", t.Execute(null, context: "ctx"));
        Assert.True(t.Calls("len"));
        Assert.False(t.Calls("print"));
    }

    [Fact]
    public void Template_maps_read_missing_keys_as_empty_and_range_in_key_order()
    {
        var map = new TestMap(new() { ["b"] = "2", ["a"] = "1" });
        Assert.Equal("[] a=1 b=2 map[a:1 b:2]", Run("[{{ .zzz }}]{{ range $k, $v := . }} {{ $k }}={{ $v }}{{ end }} {{ . }}", map));
    }

    [Fact]
    public void Execution_errors_name_the_function()
    {
        var e = Assert.Throws<TemplateException>(() => Run("{{ index .list 5 }}", new Dictionary<string, object?> { ["list"] = new List<object?>() }));
        // Go names the command it was executing and where it starts (checked against Go 1.19's text/template).
        Assert.Equal("template: line:1:3: executing \"line\" at <index .list 5>: error calling index: index out of range: 5", e.Message);
    }

    private sealed class TestMap(SortedDictionary<string, string> values) : ITemplateMap
    {
        public string? Get(string key) => values.GetValueOrDefault(key);

        public IEnumerable<KeyValuePair<string, string>> Entries() => values;

        public int Count => values.Count;
    }
}

/// <summary>strconv's number and string forms, regexp.Expand, and RE2 syntax.</summary>
public sealed class StrconvAndRegexpTests
{
    [Theory]
    [InlineData(1.5, "1.5e+00")]
    [InlineData(0.0, "0e+00")]
    [InlineData(123456.0, "1.23456e+05")]
    [InlineData(-0.00025, "-2.5e-04")]
    public void FormatFloat_e(double v, string expected) => Assert.Equal(expected, GoFormat.FloatE(v));

    [Theory]
    [InlineData("\"a\\tb\\\"c\"", "a\tb\"c")]
    [InlineData("\"\\u00e9\\x41\\101\"", "éAA")]
    [InlineData("`raw \\n`", "raw \\n")]
    [InlineData("'\\''", "'")]
    public void Unquote_accepts_gos_escapes(string literal, string expected) => Assert.Equal(expected, GoQuote.Unquote(literal));

    [Theory]
    [InlineData("\"\\q\"")]
    [InlineData("\"\\'\"")]
    [InlineData("\"\\uD800\"")]
    [InlineData("\"\\400\"")]
    [InlineData("\"abc")]
    [InlineData("\"a\nb\"")]
    public void Unquote_rejects_what_go_rejects(string literal) => Assert.Null(GoQuote.Unquote(literal));

    [Fact]
    public void Quote_escapes_like_strconv_Quote() => Assert.Equal("\"a\\\"b\\n\\x00\"", GoQuote.Quote("a\"b\n\0"));

    [Theory]
    [InlineData("$1-$2", "b-c")]
    [InlineData("${1}x", "bx")]
    [InlineData("$1x", "")]
    [InlineData("$$1 ${name}", "$1 c")]
    [InlineData("[$9]", "[]")]
    public void Expand_follows_regexp_Expand(string template, string expected)
    {
        var m = System.Text.RegularExpressions.Regex.Match("abc", "a(b)(?<name>c)");
        Assert.Equal(expected, GoRegexpExpand.Expand(template, m));
    }

    [Fact]
    public void Re2_syntax_compiles_to_an_equivalent_regex()
    {
        Assert.Matches(Re2.Compile("(?P<x>a+)b", anchored: true), "aab");
        Assert.DoesNotMatch(Re2.Compile("ab", anchored: true), "xab");
        Assert.Matches(Re2.Compile("ab", anchored: false), "xab");
    }
}
