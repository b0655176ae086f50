using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;

namespace Sawmill.LogQL.Subset;

/// <summary>A chain of line filters (all must pass) pushed down into storage. Immutable; thread-safe.</summary>
internal sealed class SubsetLineFilter : ILineFilter
{
    private readonly (string Op, byte[] Needle, Regex? Regex)[] _filters;

    public SubsetLineFilter(IReadOnlyList<LineFilter> filters)
    {
        _filters = filters.Select(f => (f.Op, Encoding.UTF8.GetBytes(f.Value), f.Op is "|~" or "!~" ? Re2.Compile(f.Value, anchored: false) : null)).ToArray();
        RequiredSubstrings = _filters.Where(f => f.Op == "|=" && f.Needle.Length > 0).Select(f => f.Needle).ToArray();
    }

    public IReadOnlyList<byte[]> RequiredSubstrings { get; }

    public bool Matches(ReadOnlySpan<byte> line)
    {
        foreach (var (op, needle, regex) in _filters)
        {
            var ok = op switch
            {
                "|=" => line.IndexOf(needle) >= 0,
                "!=" => line.IndexOf(needle) < 0,
                "|~" => regex!.IsMatch(Encoding.UTF8.GetString(line)),
                _ => !regex!.IsMatch(Encoding.UTF8.GetString(line)),
            };
            if (!ok)
                return false;
        }
        return true;
    }
}
