using Sawmill.Core;
using Sawmill.GoCompat;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Log;

/// <summary>
/// Converts an unwrapped label value to a sample value with Loki's rules; a failure gives
/// <c>__error__="SampleExtractionErr"</c> (the engine keeps or drops the sample per <c>__error__</c> filters).
/// </summary>
public static class UnwrapValue
{
    public const string SampleExtractionError = "SampleExtractionErr";

    /// <summary>Converts <paramref name="value"/>; false with Go-like <paramref name="error"/> text when it does not convert.</summary>
    public static bool TryConvert(string value, UnwrapConversion conversion, out double result, out string? error)
    {
        error = null;
        result = 0;
        if (value.Length == 0)
            return false; // Loki: a missing or empty label is a SampleExtractionErr without details
        switch (conversion)
        {
            case UnwrapConversion.Duration or UnwrapConversion.DurationSeconds:
                if (GoDuration.TryParse(value, out var ns))
                {
                    result = ns / 1e9;
                    return true;
                }
                error = $"time: invalid duration {GoQuote.Quote(value)}";
                return false;
            case UnwrapConversion.Bytes:
                if (ByteSize.TryParse(value, out var b))
                {
                    result = Math.Floor(b);
                    return true;
                }
                error = $"strconv.ParseFloat: parsing {GoQuote.Quote(value)}: invalid syntax";
                return false;
            default:
                if (GoFloat.TryParse(value, out result))
                    return true;
                error = GoFloat.SyntaxError(value);
                return false;
        }
    }

    /// <summary>
    /// Reads <paramref name="label"/> from the entry and converts it; on failure sets SampleExtractionErr (with details)
    /// on the entry and returns false (the engine still emits the sample, value 0, unless a post filter such as
    /// <c>__error__=""</c> drops it — Loki's semantics). A missing label is an empty value, which is an error.
    /// </summary>
    public static bool TryExtract(EntryState entry, string label, UnwrapConversion conversion, out double value)
    {
        var v = entry.Get(label) ?? "";
        if (TryConvert(v, conversion, out value, out var error))
            return true;
        entry.SetError(SampleExtractionError, error);
        value = 0;
        return false;
    }

}
