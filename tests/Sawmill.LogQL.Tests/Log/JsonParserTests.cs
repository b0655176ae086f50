using Sawmill.Core;
using Sawmill.LogQL.Log;
using static Sawmill.LogQL.Tests.Log.PipelineRunner;

namespace Sawmill.LogQL.Tests.Log;

public sealed class JsonParserTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // line, expected parsed labels (besides app/namespace) as "k=v, k=v", description
        { """{"level":"ERROR","msg":"boom"}""", "level=ERROR, msg=boom", "flat strings" },
        { """{"a":{"b":{"c":"x"}},"d":1}""", "a_b_c=x, d=1", "nested objects flatten with _" },
        { """{"n":12.5,"t":true,"f":false,"z":null}""", "f=false, n=12.5, t=true", "numbers bools; null skipped" },
        { """{"arr":[1,2,3],"k":"v"}""", "k=v", "arrays skipped" },
        { """{"a.b":"1","c-d":"2","1x":"3"}""", "_1x=3, a_b=1, c_d=2", "names sanitised" },
        { """{"app":"bar"}""", "app_extracted=bar", "clash with stream label gets _extracted" },
        { """{"s":"line\nnext \"q\" \u00e9"}""", "s=line\nnext \"q\" é", "string unescaped" },
        { """  { "sp" : "x" , "o" : { } }""", "sp=x", "whitespace and empty object" },
        { """{"nested":{"app":"x"}}""", "nested_app=x", "nested key not suffixed" },
        { """{"é":"u"}""", "_=u", "non-ascii rune becomes one underscore" },
        { """{"a":{"b":[{"c":1}]},"e":"f"}""", "e=f", "array inside object skipped" },
        { """{"k":"v","k":"w"}""", "k=v", "duplicate key: the first value wins (Loki 3)" },
        { """{"num":-1e3}""", "num=-1e3", "number kept as written" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Json_parser_extracts_labels(string line, string expected, string description)
    {
        var (kept, outLine, labels) = Run(line, new JsonParserStage());
        Assert.True(kept, description);
        Assert.Equal(line, outLine);
        var want = Labels.From([.. DefaultStream.AsSpan().ToArray(), .. L(expected).AsSpan().ToArray()]);
        Assert.Equal(want.ToString(), labels.ToString());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"a":"b" """)]
    [InlineData("""{"a":}""")]
    [InlineData("""{"a" "b"}""")]
    [InlineData("")]
    public void Malformed_json_keeps_entry_with_JSONParserErr(string line)
    {
        var (kept, _, labels) = Run(line, new JsonParserStage());
        Assert.True(kept);
        Assert.Equal("JSONParserErr", labels.Get("__error__"));
        Assert.False(string.IsNullOrEmpty(labels.Get("__error_details__")));
    }

    [Fact]
    public void Error_idiom_filters_out_malformed_lines()
    {
        var filter = new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "__error__", ""));
        Assert.False(Run("oops", new JsonParserStage(), filter).Kept);
        Assert.True(Run("""{"a":1}""", new JsonParserStage(), filter).Kept);
    }

    [Fact]
    public void Needed_labels_limit_extraction()
    {
        var stages = new Stage[] { new JsonParserStage(), new LabelFilterStage(new StringLabelFilter(MatchType.Equal, "level", "ERROR")) };
        var pipeline = new Pipeline(stages, neededLabels: new HashSet<string> { "app" });
        var sp = pipeline.ForStream(DefaultStream);
        Assert.True(sp.Process(0, """{"level":"ERROR","msg":"x","user":{"id":"7"}}"""u8, out _));
        Assert.Equal("ERROR", sp.Labels.Get("level"));
        Assert.Null(sp.Labels.Get("msg"));
        Assert.Null(sp.Labels.Get("user_id"));
        Assert.False(sp.Process(0, """{"level":"INFO"}"""u8, out _));
    }

    [Fact]
    public void Needed_nested_label_is_found()
    {
        var pipeline = new Pipeline([new JsonParserStage()], neededLabels: new HashSet<string> { "user_id" });
        var sp = pipeline.ForStream(DefaultStream);
        Assert.True(sp.Process(0, """{"level":"ERROR","user":{"id":"7","name":"n"}}"""u8, out _));
        Assert.Equal("7", sp.Labels.Get("user_id"));
        Assert.Null(sp.Labels.Get("user_name"));
        Assert.Null(sp.Labels.Get("level"));
    }

    public static TheoryData<string, string, string, string> ExtractionCases => new()
    {
        { """{"a":[{"b":"x"},{"b":"y"}]}""", "v", "a[1].b", "y" },
        { """{"headers":{"User-Agent":"curl"}}""", "ua", "headers[\"User-Agent\"]", "curl" },
        { """{"a":{"b":1}}""", "v", "a", """{"b":1}""" },
        { """{"a":[1,2]}""", "v", "a[0]", "1" },
        { """{"a":null}""", "v", "a", "" },
        { """{"a":"x"}""", "v", "missing", "" },
        { """{"a":"x\ty"}""", "v", "a", "x\ty" },
        { """{"a":true}""", "v", "a", "true" },
        { """{"a b":{"c":"d"}}""", "v", "[\"a b\"].c", "d" },
    };

    [Theory]
    [MemberData(nameof(ExtractionCases))]
    public void Json_extraction_params(string line, string label, string path, string expected)
    {
        var (kept, _, labels) = Run(line, new JsonExtractionParserStage([(label, path)]));
        Assert.True(kept);
        Assert.Equal(expected, labels.Get(label));
    }

    [Fact]
    public void Json_extraction_on_non_json_sets_error()
    {
        var (_, _, labels) = Run("plain text", new JsonExtractionParserStage([("a", "a")]));
        Assert.Equal("JSONParserErr", labels.Get("__error__"));
    }

    [Theory]
    [InlineData("a.")]
    [InlineData("a[")]
    [InlineData("a[x]")]
    [InlineData("")]
    public void Invalid_json_path_is_rejected(string path) =>
        Assert.Throws<ArgumentException>(() => new JsonExtractionParserStage([("a", path)]));

    [Fact]
    public void Unpack_adds_string_fields_and_replaces_line_with_entry()
    {
        var (kept, line, labels) = Run("""{"_entry":"original \"line\"","container":"c1","app":"x","n":1}""", new UnpackParserStage());
        Assert.True(kept);
        Assert.Equal("original \"line\"", line);
        Assert.Equal("c1", labels.Get("container"));
        Assert.Equal("x", labels.Get("app_extracted"));
        Assert.Null(labels.Get("n"));
    }

    [Fact]
    public void Unpack_on_bad_json_sets_error()
    {
        var (_, line, labels) = Run("nope", new UnpackParserStage());
        Assert.Equal("nope", line);
        Assert.Equal("JSONParserErr", labels.Get("__error__"));
    }
}
