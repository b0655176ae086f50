using System.Collections;
using System.Net;
using System.Text;
using System.Text.Json;
using static Sawmill.GoCompat.TemplateArgs;

namespace Sawmill.GoCompat;

/// <summary>
/// Go's <c>text/template</c> builtin functions (<c>and or not len index slice print println printf urlquery html js
/// eq ne lt le gt ge</c>) with Go's semantics and error texts.
/// </summary>
internal static class GoBuiltins
{
    public static readonly IReadOnlyDictionary<string, TemplateFunction> Functions = new Dictionary<string, TemplateFunction>(StringComparer.Ordinal)
    {
            ["and"] = (_, a) =>
            {
                MinArity(a, 1, "and");
                foreach (var v in a)
                    if (!GoValues.IsTrue(v))
                        return v;
                return a[^1];
            },
            ["or"] = (_, a) =>
            {
                MinArity(a, 1, "or");
                foreach (var v in a)
                    if (GoValues.IsTrue(v))
                        return v;
                return a[^1];
            },
            ["not"] = (_, a) =>
            {
                Arity(a, 1, "not");
                return !GoValues.IsTrue(a[0]);
            },
            ["len"] = (_, a) =>
            {
                Arity(a, 1, "len");
                return a[0] switch
                {
                    string s => (long)Encoding.UTF8.GetByteCount(s),
                    ICollection c => (long)c.Count,
                    ITemplateMap m => (long)m.Count,
                    _ => throw new TemplateException($"error calling len: len of type {GoValues.TypeName(a[0])}"),
                };
            },
            ["index"] = (_, a) =>
            {
                MinArity(a, 1, "index");
                var v = a[0];
                for (var i = 1; i < a.Length; i++)
                {
                    v = v switch
                    {
                        ITemplateMap m => m.Get(S(a[i])) ?? "",
                        IDictionary dict => dict.Contains(S(a[i])) ? dict[S(a[i])] : null,
                        IList list => I(a[i]) >= 0 && I(a[i]) < list.Count ? list[(int)I(a[i])] : throw new TemplateException($"error calling index: index out of range: {I(a[i])}"),
                        string s => I(a[i]) >= 0 && I(a[i]) < Encoding.UTF8.GetByteCount(s) ? (long)Encoding.UTF8.GetBytes(s)[I(a[i])] : throw new TemplateException($"error calling index: index out of range: {I(a[i])}"),
                        _ => throw new TemplateException($"error calling index: can't index item of type {GoValues.TypeName(v)}"),
                    };
                }
                return v;
            },
            ["slice"] = (_, a) =>
            {
                MinArity(a, 1, "slice");
                if (a[0] is string s)
                {
                    var lo = a.Length > 1 ? (int)I(a[1]) : 0;
                    var hi = a.Length > 2 ? (int)I(a[2]) : s.Length;
                    if (lo < 0 || hi > s.Length || lo > hi)
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    return s[lo..hi];
                }
                if (a[0] is IList list)
                {
                    var lo = a.Length > 1 ? (int)I(a[1]) : 0;
                    var hi = a.Length > 2 ? (int)I(a[2]) : list.Count;
                    if (lo < 0 || hi > list.Count || lo > hi)
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    var r = new List<object?>();
                    for (var i = lo; i < hi; i++)
                        r.Add(list[i]);
                    return r;
                }
                throw new TemplateException($"error calling slice: can't slice item of type {GoValues.TypeName(a[0])}");
            },
            ["print"] = (_, a) => GoPrint(a, spaces: false),
            ["println"] = (_, a) => GoPrint(a, spaces: true) + "\n",
            ["printf"] = (_, a) =>
            {
                MinArity(a, 1, "printf");
                return GoPrintf.Format(S(a[0]), a.AsSpan(1));
            },
            ["urlquery"] = (_, a) => Uri.EscapeDataString(GoPrint(a, false)).Replace("%20", "+", StringComparison.Ordinal),
            ["html"] = (_, a) => WebUtility.HtmlEncode(GoPrint(a, false)),
            ["js"] = (_, a) => JsonEncodedText.Encode(GoPrint(a, false)).ToString(),
            ["eq"] = (_, a) =>
            {
                MinArity(a, 2, "eq");
                for (var i = 1; i < a.Length; i++)
                    if (GoValues.Compare(a[0], a[i], "eq") == 0)
                        return true;
                return false;
            },
            ["ne"] = (_, a) =>
            {
                Arity(a, 2, "ne");
                return GoValues.Compare(a[0], a[1], "ne") != 0;
            },
            ["lt"] = (_, a) =>
            {
                Arity(a, 2, "lt");
                return GoValues.Compare(a[0], a[1], "lt") < 0;
            },
            ["le"] = (_, a) =>
            {
                Arity(a, 2, "le");
                return GoValues.Compare(a[0], a[1], "le") <= 0;
            },
            ["gt"] = (_, a) =>
            {
                Arity(a, 2, "gt");
                return GoValues.Compare(a[0], a[1], "gt") > 0;
            },
            ["ge"] = (_, a) =>
            {
                Arity(a, 2, "ge");
                return GoValues.Compare(a[0], a[1], "ge") >= 0;
            },
    };

    internal static string GoPrint(object?[] a, bool spaces)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < a.Length; i++)
        {
            // Go's Sprint adds spaces between operands when neither is a string; Sprintln always.
            if (i > 0 && (spaces || a[i] is not string && a[i - 1] is not string))
                sb.Append(' ');
            sb.Append(a[i] == null ? "<nil>" : GoValues.ToText(a[i]));
        }
        return sb.ToString();
    }
}
