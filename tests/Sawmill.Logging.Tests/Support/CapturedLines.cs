using System.Text.Json;

namespace Sawmill.Logging.Tests.Support;

/// <summary>Lines written by a capturing provider; thread-safe.</summary>
internal sealed class CapturedLines
{
    private readonly List<string> _lines = [];

    public void Add(string text)
    {
        lock (_lines)
        {
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                _lines.Add(line);
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }

    /// <summary>Every line parsed as JSON (fails the test when one is not a single JSON object).</summary>
    public List<JsonElement> Events()
    {
        var result = new List<JsonElement>();
        foreach (var line in Lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            result.Add(doc.RootElement.Clone());
        }
        return result;
    }

    public List<JsonElement> WithMessage(string message) =>
        Events().FindAll(e => e.TryGetProperty("message", out var m) && m.GetString() == message);
}
