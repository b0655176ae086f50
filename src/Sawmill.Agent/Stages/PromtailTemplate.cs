using System.Security.Cryptography;
using System.Text;
using Sawmill.GoCompat;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Go templates as Promtail's <c>template</c> and <c>replace</c> stages run them: Go's builtins, sprig's functions and
/// Promtail's extras (Go's <c>strings</c> functions, <c>regexReplaceAll</c>, <c>regexReplaceAllLiteral</c>,
/// <c>Hash</c> = SHA3-256 and <c>Sha2Hash</c> = SHA-256 of salt + input, hex). The data is a map of the extracted
/// values that have a string form, plus <c>Value</c>; a missing key prints <c>&lt;no value&gt;</c> as in Go.
/// </summary>
internal static class PromtailTemplate
{
    public static readonly TemplateFunctionSet Functions = TemplateFunctionSet.Builtins
        .With(SprigFunctions.Sprig)
        .With(SprigFunctions.GoStrings)
        .With(new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
        {
            ["Hash"] = TemplateArgs.Str2("Hash", (salt, input) => Convert.ToHexStringLower(SHA3_256.HashData(Encoding.UTF8.GetBytes(salt + input)))),
            ["Sha2Hash"] = TemplateArgs.Str2("Sha2Hash", (salt, input) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + input)))),
        });

    /// <exception cref="ArgumentException">A syntax error or an unknown function, worded like Go's.</exception>
    public static GoTemplate Parse(string text) => GoTemplate.Parse(text, Functions);

    /// <summary>
    /// The template data Promtail builds: every extracted value that converts to a string (others are left out),
    /// then the given extra keys (<c>Value</c>, and <c>Entry</c> for the template stage).
    /// </summary>
    public static Dictionary<string, object?> Data(PipelineEntry entry, params (string Key, string? Value)[] extra)
    {
        var data = new Dictionary<string, object?>(entry.Extracted.Count + extra.Length, StringComparer.Ordinal);
        foreach (var (k, v) in entry.Extracted)
            if (PipelineEntry.ValueToString(v) is { } s && v is not (System.Collections.IDictionary or System.Collections.IList))
                data[k] = s;
        foreach (var (k, v) in extra)
            if (v != null)
                data[k] = v;
        return data;
    }
}
