using Sawmill.LogQL.Log;
using Sawmill.Ruler.Templates;
using Sawmill.GoCompat;

namespace Sawmill.Ruler.Tests.Templates;

public sealed class TemplateTests
{
    private static string Run(string text, double value = 0, Dictionary<string, string>? labels = null)
    {
        var data = new TemplateData(labels ?? new Dictionary<string, string> { ["feature"] = "age", ["app"] = "churn-api" },
            new Dictionary<string, string> { ["cluster"] = "prod" }, "http://sawmill:3100", value);
        return data.Expand(TemplateData.Parse(text), TemplateFunctions.Default);
    }

    [Theory]
    [InlineData("{{ $value }} errors/sec in churn-api", 12.5, "12.5 errors/sec in churn-api")]
    [InlineData("{{ $value }}", 1000000, "1e+06")]
    [InlineData("{{ $value }}", 123456, "123456")]
    [InlineData("{{ $value }}", 0.1, "0.1")]
    [InlineData("{{ $value }}", 0.00001, "1e-05")]
    [InlineData("{{ .Value }}", 3, "3")]
    [InlineData("{{ $value | humanize }}", 1234567, "1.235M")]
    [InlineData("{{ humanize $value }}", 0.0012, "1.2m")]
    [InlineData("{{ humanize $value }}", 0, "0")]
    [InlineData("{{ humanize1024 $value }}", 2048, "2ki")]
    [InlineData("{{ $value | humanizeDuration }}", 3725, "1h 2m 5s")]
    [InlineData("{{ $value | humanizeDuration }}", 90061, "1d 1h 1m 1s")]
    [InlineData("{{ $value | humanizeDuration }}", 1.5, "1.5s")]
    [InlineData("{{ $value | humanizeDuration }}", 0.25, "250ms")]
    [InlineData("{{ $value | humanizePercentage }}", 0.256, "25.6%")]
    [InlineData("{{ humanizeTimestamp $value }}", 1435065584.128, "2015-06-23 13:19:44.128 +0000 UTC")]
    [InlineData("{{ printf \"%.2f\" $value }}", 3.14159, "3.14")]
    [InlineData("{{ printf \"%d items, %s\" 3 \"ok\" }}", 0, "3 items, ok")]
    [InlineData("{{ printf \"%5.1f|%-4s|\" $value \"a\" }}", 2.24, "  2.2|a   |")]
    [InlineData("{{ printf \"%e\" $value }}", 1234.5678, "1.234568e+03")]
    [InlineData("{{ printf \"%g\" $value }}", 1e21, "1e+21")]
    public void Values_print_as_Go_and_Prometheus_print_them(string template, double value, string expected) =>
        Assert.Equal(expected, Run(template, value));

    [Theory]
    [InlineData("Feature {{ $labels.feature }} missing in requests", "Feature age missing in requests")]
    [InlineData("{{ .Labels.app }}", "churn-api")]
    [InlineData("[{{ $labels.nope }}]", "[]")]
    [InlineData("{{ $externalLabels.cluster }} {{ $externalURL }}", "prod http://sawmill:3100")]
    [InlineData("{{ toUpper $labels.app }} {{ $labels.app | toLower }} {{ title \"hello world\" }}", "CHURN-API churn-api Hello World")]
    [InlineData("{{ if eq $labels.feature \"age\" }}yes{{ else }}no{{ end }}", "yes")]
    [InlineData("{{ if gt $value 5.0 }}high{{ else if gt $value 1.0 }}mid{{ else }}low{{ end }}", "mid")]
    [InlineData("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", "app=churn-api;feature=age;")]
    [InlineData("{{ range $labels }}<{{ . }}>{{ end }}", "<churn-api><age>")]
    [InlineData("{{ $x := \"a\" }}{{ $x = \"b\" }}{{ $x }}", "b")]
    [InlineData("a  {{- \" b \" -}}  c", "a b c")]
    [InlineData("{{/* a comment */}}x", "x")]
    [InlineData("{{ with $labels.app }}[{{ . }}]{{ end }}", "[churn-api]")]
    [InlineData("{{ reReplaceAll \"(.*)-api\" \"$1\" $labels.app }}", "churn")]
    [InlineData("{{ if match \"^chu\" $labels.app }}m{{ end }}", "m")]
    [InlineData("{{ len $labels }} {{ index $labels \"app\" }}", "2 churn-api")]
    [InlineData("{{ and true \"x\" }} {{ or \"\" \"y\" }} {{ not false }}", "x y true")]
    [InlineData("{{ stripPort \"host:9090\" }} {{ stripDomain \"a.example.com:80\" }}", "host a:80")]
    public void Labels_functions_and_control_flow_work(string template, string expected) =>
        Assert.Equal(expected, Run(template, 2));

    [Theory]
    [InlineData("{{ $value ")]
    [InlineData("{{ if true }}x")]
    [InlineData("{{ end }}")]
    [InlineData("{{ \"unterminated }}")]
    public void Bad_templates_do_not_parse(string template) =>
        Assert.Throws<ArgumentException>(() => TemplateData.Parse(template));

    [Fact]
    public void Unknown_function_is_a_parse_error_as_in_Go() =>
        Assert.Contains("function \"nosuch\" not defined", Assert.Throws<ArgumentException>(() => Run("{{ nosuch 1 }}")).Message);

    [Fact]
    public void A_failing_function_is_an_execution_error() =>
        Assert.Contains("error calling first", Assert.Throws<TemplateException>(() => Run("{{ first (args) }}")).Message);
}
