using Sawmill.Core;

namespace Sawmill.LogQL.Syntax;

/// <summary><c>name="v"</c>, <c>!=</c>, <c>=~</c>, <c>!~</c> on a label's string value (missing label = empty string).</summary>
public sealed record StringLabelFilterExpr(LabelMatcher Matcher) : LabelFilterExpr;
