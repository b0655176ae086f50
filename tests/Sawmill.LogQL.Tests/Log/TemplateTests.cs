using Sawmill.Core;
using Sawmill.LogQL.Log;
using Sawmill.GoCompat;

namespace Sawmill.LogQL.Tests.Log;

public sealed class TemplateTests
{
    private static string Exec(string template, string logfmt = "a=1 b=hello c=2.5 s=\"Hello World\" e= n=-3 d=1m30s sz=2KB ts=2024-05-06T07:08:09Z u=a%20b%2Bc j=\"{\\\"k\\\":\\\"v\\\",\\\"n\\\":3}\"")
    {
        var sp = new Pipeline([new LogfmtParserStage(), new LineFormatStage(template)]).ForStream(Labels.From(("app", "api")));
        Assert.True(sp.Process(1_700_000_000_000_000_000, System.Text.Encoding.UTF8.GetBytes(logfmt), out var line));
        var err = sp.Entry.Error;
        return err != null ? "ERR:" + sp.Entry.ErrorDetails : System.Text.Encoding.UTF8.GetString(line);
    }

    [Theory]
    // text, fields, trimming, comments
    [InlineData("plain", "plain")]
    [InlineData("{{.b}}", "hello")]
    [InlineData("{{.missing}}", "")]
    [InlineData("x {{- .a -}} y", "x1y")]
    [InlineData("{{/* comment */}}z", "z")]
    [InlineData("{{- /* c */ -}} z", "z")]
    [InlineData("{{ .app }}", "api")]
    // pipelines and variables
    [InlineData("{{ .b | ToUpper }}", "HELLO")]
    [InlineData("{{ $x := .b }}{{ $x }}{{ $x = \"y\" }}{{ $x }}", "helloy")]
    [InlineData("{{ $.b }}", "hello")]
    [InlineData("{{ (.b) | len }}", "5")]
    [InlineData("{{ printf \"%s-%d-%.2f-%5s|%-4s|%03d\" .b 7 1.5 \"r\" \"l\" 5 }}", "hello-7-1.50-    r|l   |005")]
    [InlineData("{{ printf \"%v %q %x\" 2.5 .b 255 }}", "2.5 \"hello\" ff")]
    [InlineData("{{ print 1 2 \"a\" \"b\" }}", "1 2ab")]
    // control flow
    [InlineData("{{ if eq .a \"1\" }}one{{ else }}other{{ end }}", "one")]
    [InlineData("{{ if .missing }}x{{ else if .b }}b{{ else }}z{{ end }}", "b")]
    [InlineData("{{ if and .a .missing }}x{{ else }}y{{ end }}", "y")]
    [InlineData("{{ if or .missing .a }}x{{ end }}", "x")]
    [InlineData("{{ if not .missing }}x{{ end }}", "x")]
    [InlineData("{{ with .b }}[{{ . }}]{{ end }}", "[hello]")]
    [InlineData("{{ with .missing }}x{{ else }}none{{ end }}", "none")]
    [InlineData("{{ range $i, $v := (fromJson .j) }}{{ $i }}={{ $v }};{{ end }}", "k=v;n=3;")]
    [InlineData("{{ range 3 }}{{ . }}{{ end }}", "012")]
    [InlineData("{{ range $i := 5 }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}", "012")]
    [InlineData("{{ range $i := 4 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $i }}{{ end }}", "023")]
    [InlineData("{{ if lt (int .a) 2 }}small{{ end }}", "small")]
    [InlineData("{{ if gt (float64 .c) 2.0 }}big{{ end }}", "big")]
    [InlineData("{{ if ne .b \"x\" }}ne{{ end }}", "ne")]
    [InlineData("{{ eq .b \"a\" \"hello\" }}", "true")]
    // Loki's Go-strings functions
    [InlineData("{{ ToLower .s }}", "hello world")]
    [InlineData("{{ Replace .s \"o\" \"0\" 1 }}", "Hell0 World")]
    [InlineData("{{ Replace .s \"o\" \"0\" -1 }}", "Hell0 W0rld")]
    [InlineData("{{ Trim \"xxhixx\" \"x\" }}", "hi")]
    [InlineData("{{ TrimLeft \"xxhixx\" \"x\" }}", "hixx")]
    [InlineData("{{ TrimRight \"xxhixx\" \"x\" }}", "xxhi")]
    [InlineData("{{ TrimPrefix .s \"Hello \" }}", "World")]
    [InlineData("{{ TrimSuffix .s \" World\" }}", "Hello")]
    [InlineData("{{ TrimSpace \"  x  \" }}", "x")]
    [InlineData("{{ regexReplaceAll \"(\\\\w+) (\\\\w+)\" .s \"${2}_$1\" }}", "World_Hello")]
    [InlineData("{{ regexReplaceAllLiteral \"o\" .s \"$1\" }}", "Hell$1 W$1rld")]
    [InlineData("{{ count \"o\" .s }}", "2")]
    [InlineData("{{ urldecode .u }}", "a b+c")]
    [InlineData("{{ urlencode \"a b&c\" }}", "a+b%26c")]
    [InlineData("{{ bytes .sz }}", "2000")]
    [InlineData("{{ duration .d }}", "90")]
    [InlineData("{{ duration_seconds \"250ms\" }}", "0.25")]
    [InlineData("{{ alignLeft 4 .b }}|", "hell|")]
    [InlineData("{{ alignLeft 7 .b }}|", "hello  |")]
    [InlineData("{{ alignRight 7 .b }}|", "  hello|")]
    [InlineData("{{ alignRight 3 .b }}", "llo")]
    // sprig strings
    [InlineData("{{ .b | upper }}", "HELLO")]
    [InlineData("{{ \"HeLLo\" | lower }}", "hello")]
    [InlineData("{{ \"hello world\" | title }}", "Hello World")]
    [InlineData("{{ trunc 3 .b }}", "hel")]
    [InlineData("{{ trunc -2 .b }}", "lo")]
    [InlineData("{{ substr 1 3 .b }}", "el")]
    [InlineData("{{ substr 2 99 .b }}", "llo")]
    [InlineData("{{ contains \"ell\" .b }}", "true")]
    [InlineData("{{ hasPrefix \"he\" .b }}", "true")]
    [InlineData("{{ hasSuffix \"x\" .b }}", "false")]
    [InlineData("{{ indent 2 \"a\\nb\" }}", "  a\n  b")]
    [InlineData("{{ nindent 2 \"a\" }}", "\n  a")]
    [InlineData("{{ replace \"l\" \"L\" .b }}", "heLLo")]
    [InlineData("{{ repeat 3 \"ab\" }}", "ababab")]
    [InlineData("{{ trim \"  x \" }}", "x")]
    [InlineData("{{ trimAll \"$\" \"$5$\" }}", "5")]
    [InlineData("{{ trimPrefix \"he\" .b }}", "llo")]
    [InlineData("{{ trimSuffix \"lo\" .b }}", "hel")]
    [InlineData("{{ b64enc .b }}", "aGVsbG8=")]
    [InlineData("{{ b64dec \"aGVsbG8=\" }}", "hello")]
    [InlineData("{{ .missing | default \"dflt\" }}", "dflt")]
    [InlineData("{{ .b | default \"dflt\" }}", "hello")]
    [InlineData("{{ default \"d\" .e }}", "d")]
    [InlineData("{{ (fromJson .j).k }}", "v")]
    // sprig math
    [InlineData("{{ add 1 2 3 }}", "6")]
    [InlineData("{{ add .a 2 }}", "3")]
    [InlineData("{{ sub 5 7 }}", "-2")]
    [InlineData("{{ mul 2 3 4 }}", "24")]
    [InlineData("{{ div 7 2 }}", "3")]
    [InlineData("{{ mod 7 3 }}", "1")]
    [InlineData("{{ addf 1.5 2 }}", "3.5")]
    [InlineData("{{ subf 5 1.5 }}", "3.5")]
    [InlineData("{{ mulf .c 2 }}", "5")]
    [InlineData("{{ divf 1 4 }}", "0.25")]
    [InlineData("{{ mulf 1000 1000 }}", "1e+06")]
    [InlineData("{{ max 1 5 3 }}", "5")]
    [InlineData("{{ min 4 .n }}", "-3")]
    [InlineData("{{ maxf 1.5 2.5 }}", "2.5")]
    [InlineData("{{ minf 1.5 2.5 }}", "1.5")]
    [InlineData("{{ ceil 1.2 }}", "2")]
    [InlineData("{{ floor 1.8 }}", "1")]
    [InlineData("{{ round 3.14159 2 }}", "3.14")]
    [InlineData("{{ int \"42\" }}", "42")]
    [InlineData("{{ int 4.9 }}", "4")]
    [InlineData("{{ float64 \"1.25\" }}", "1.25")]
    // dates
    [InlineData("{{ __timestamp__ | unixEpoch }}", "1700000000")]
    [InlineData("{{ __timestamp__ | unixEpochNanos }}", "1700000000000000000")]
    [InlineData("{{ date \"2006-01-02 15:04:05\" __timestamp__ }}", "2023-11-14 22:13:20")]
    [InlineData("{{ __timestamp__ }}", "2023-11-14 22:13:20 +0000 UTC")]
    [InlineData("{{ toDate \"2006-01-02T15:04:05Z07:00\" .ts | unixEpoch }}", "1714979289")]
    [InlineData("{{ toDateInZone \"2006-01-02\" \"UTC\" \"2024-01-02\" | unixEpoch }}", "1704153600")]
    [InlineData("{{ date \"Mon Jan 2 3:04PM\" (unixToTime \"1700000000\") }}", "Tue Nov 14 10:13PM")]
    [InlineData("{{ unixToTime \"1700000000123\" | unixEpochMillis }}", "1700000000123")]
    [InlineData("{{ date \"2006-01-02T15:04:05.000Z07:00\" (toDate \"2006-01-02 15:04:05.999\" \"2024-01-02 03:04:05.5\") }}", "2024-01-02T03:04:05.500Z")]
    // builtins
    [InlineData("{{ len .b }}", "5")]
    [InlineData("{{ index . \"b\" }}", "hello")]
    [InlineData("{{ slice .b 1 3 }}", "el")]
    [InlineData("{{ html \"<a>\" }}", "&lt;a&gt;")]
    // errors become TemplateFormatErr details
    [InlineData("{{ div 1 0 }}", "ERR:template: line:1:3: executing \"line\" at <div 1 0>: error calling div: runtime error: integer divide by zero")]
    // a function's error carries Go's location: the line, and the byte offset in it from 0 (Loki 2.9.9 answers line:1:13 for {{ .status | unixToTime }})
    [InlineData("{{ .a | unixToTime }}", "ERR:template: line:1:8: executing \"line\" at <unixToTime>: error calling unixToTime: unable to parse time '1': %!w(<nil>)")]
    [InlineData("x\n{{ .a | unixToTime }}", "ERR:template: line:2:8: executing \"line\" at <unixToTime>: error calling unixToTime: unable to parse time '1': %!w(<nil>)")]
    [InlineData("{{ .b.x }}", "ERR:template: {{ .b.x }}: can't evaluate field x in type string")]
    public void Template_functions_behave_like_loki(string template, string expected) =>
        Assert.Equal(expected, Exec(template));

    [Fact]
    public void Templates_report_referenced_fields()
    {
        Assert.Equal(["a", "b"], LogTemplate.Parse("{{.a}} {{ if .b }}x{{end}}").ReferencedFields!.Order());
        Assert.Null(LogTemplate.Parse("{{ range $k, $v := . }}{{end}}").ReferencedFields);
        Assert.True(LogTemplate.Parse("{{ __line__ }}").UsesLine());
    }

    [Theory]
    [InlineData("{{")]
    [InlineData("{{ .a ")]
    [InlineData("{{ end }}")]
    [InlineData("{{ if .a }}")]
    [InlineData("{{ $x }}")]
    [InlineData("{{ nosuchfunc }}")]
    [InlineData("{{ \"unterminated }}")]
    [InlineData("{{ break }}")]
    [InlineData("{{ (.a }}")]
    public void Syntax_errors_are_rejected(string template)
    {
        var e = Assert.Throws<ArgumentException>(() => LogTemplate.Parse(template));
        Assert.StartsWith("template: line:", e.Message);
    }
}
