using System.Globalization;
using System.Text;

namespace Sawmill.Core;

/// <summary>Quotes a string the way Go's <c>strconv.Quote</c> does, which Loki uses when printing labels.</summary>
public static class GoQuote
{
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        Append(sb, s);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (rune.Value == 0xFFFD)
                    {
                        sb.Append("\\ufffd");
                    }
                    else if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                             or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                             or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse)
                    {
                        if (rune.Value < 0x80)
                            sb.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                        else if (rune.Value <= 0xFFFF)
                            sb.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
