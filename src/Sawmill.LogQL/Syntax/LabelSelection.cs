using Sawmill.Core;

namespace Sawmill.LogQL.Syntax;

/// <summary>An operand of drop/keep: a bare label name (<see cref="Matcher"/> null) or a matcher (<c>level="debug"</c>).</summary>
public sealed record LabelSelection(string Name, LabelMatcher? Matcher);
