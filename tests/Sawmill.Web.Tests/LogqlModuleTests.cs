namespace Sawmill.Web.Tests;

/// <summary>The editor's pure LogQL logic (web/js/logql.js), run as the browser loads it.</summary>
[Collection(WebCollection.Name)]
public sealed class LogqlModuleTests(WebFixture fx)
{
    private async Task<string> Eval(string body)
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync("/status");
        return await page.EvaluateAsync<string>($"async () => {{ const m = await import('/js/logql.js'); return JSON.stringify({body}); }}");
    }

    [Theory]
    [InlineData("{", 1, "{\"kind\":\"label-name\",\"prefix\":\"\",\"from\":1}")]
    [InlineData("{jo", 3, "{\"kind\":\"label-name\",\"prefix\":\"jo\",\"from\":1}")]
    [InlineData("{job=\"a\", lev", 13, "{\"kind\":\"label-name\",\"prefix\":\"lev\",\"from\":10}")]
    [InlineData("{job=", 5, "{\"kind\":\"label-value\",\"label\":\"job\",\"prefix\":\"\",\"from\":5,\"quoted\":false,\"regex\":false}")]
    [InlineData("{job=~\"ap", 9, "{\"kind\":\"label-value\",\"label\":\"job\",\"prefix\":\"ap\",\"from\":7,\"quoted\":true,\"regex\":true}")]
    [InlineData("{job=\"a\"} | ", 12, "{\"kind\":\"stage\",\"prefix\":\"\",\"from\":12}")]
    [InlineData("{job=\"a\"} | js", 14, "{\"kind\":\"stage\",\"prefix\":\"js\",\"from\":12}")]
    [InlineData("sum by (", 8, "{\"kind\":\"label-name\",\"prefix\":\"\",\"from\":8}")]
    [InlineData("count_ov", 8, "{\"kind\":\"function\",\"prefix\":\"count_ov\",\"from\":0}")]
    public async Task Completion_context_knows_what_can_be_typed(string query, int pos, string expected)
    {
        Assert.Equal(expected, await Eval($"m.completionContext({System.Text.Json.JsonSerializer.Serialize(query)}, {pos})"));
    }

    [Theory]
    [InlineData("{a=\"1\"}", "service", "api", false, true, null, "{a=\"1\", service=\"api\"}")]
    [InlineData("{a=\"1\", service=\"api\"} |= \"x\"", "service", "api", true, true, null, "{a=\"1\", service!=\"api\"} |= \"x\"")]
    [InlineData("{a=\"1\"}", "status", "500", false, false, "json", "{a=\"1\"} | json | status=\"500\"")]
    [InlineData("{a=\"1\"} | logfmt", "took", "5ms", true, false, "logfmt", "{a=\"1\"} | logfmt | took!=\"5ms\"")]
    public async Task Filter_buttons_edit_the_query(string query, string name, string value, bool negate, bool stream, string? parser, string expected)
    {
        var args = System.Text.Json.JsonSerializer.Serialize(new { name, value, negate, stream, parser });
        Assert.Equal(expected, System.Text.Json.JsonSerializer.Deserialize<string>(await Eval($"m.addFilter({System.Text.Json.JsonSerializer.Serialize(query)}, {args})")));
    }

    [Fact]
    public async Task Brackets_match_across_nesting_and_metric_queries_are_recognised()
    {
        Assert.Equal("[3,21]", await Eval("m.matchBracket('sum(rate({a=\"(\"}[5m])) by (x)', 4)"));
        Assert.Equal("[8,20]", await Eval("m.matchBracket('sum(rate({a=\"(\"}[5m])) by (x)', 9)"));
        Assert.Equal("[true,false,true]", await Eval("[m.isMetricQuery('sum(rate({a=\"b\"}[1m]))'), m.isMetricQuery('{a=\"b\"} |= \"sum(\"'), m.isMetricQuery('rate({a=\"b\"}[1m])')]"));
        Assert.Equal("{\"line\":1,\"col\":14}", await Eval("m.errorPosition('parse error at line 1, col 14: syntax error')"));
    }
}
