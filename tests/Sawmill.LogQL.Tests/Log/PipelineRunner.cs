using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Log;

namespace Sawmill.LogQL.Tests.Log;

/// <summary>Runs stages over one line and reports what came out, for table-driven tests.</summary>
internal static class PipelineRunner
{
    public static readonly Labels DefaultStream = Labels.From(("app", "foo"), ("namespace", "prod"));

    public static (bool Kept, string Line, Labels Labels) Run(string line, params Stage[] stages) =>
        Run(DefaultStream, line, null, stages);

    public static (bool Kept, string Line, Labels Labels) Run(Labels stream, string line, Label[]? metadata, params Stage[] stages)
    {
        var pipeline = new Pipeline(stages);
        var sp = pipeline.ForStream(stream);
        var bytes = Encoding.UTF8.GetBytes(line);
        var copy = (byte[])bytes.Clone();
        var kept = sp.Process(1_700_000_000_123_456_789, bytes, metadata ?? [], out var result);
        Assert.Equal(copy, bytes); // stages never write into the input
        return (kept, kept ? Encoding.UTF8.GetString(result) : "", kept ? sp.Labels : Labels.Empty);
    }

    /// <summary>Parses <c>a=1,b=2</c> shorthand (values may not contain commas) into labels; empty → no labels.</summary>
    public static Labels L(string text)
    {
        if (text.Length == 0)
            return Labels.Empty;
        var pairs = new List<Label>();
        foreach (var part in text.Split(", "))
        {
            var eq = part.IndexOf('=');
            pairs.Add(new Label(part[..eq], part[(eq + 1)..]));
        }
        return Labels.From(pairs);
    }
}
