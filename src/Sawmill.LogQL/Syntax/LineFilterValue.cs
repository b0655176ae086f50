namespace Sawmill.LogQL.Syntax;

/// <summary>One operand of a line filter: a string (substring, RE2 regex or pattern per the op) or <c>ip("cidr|range|addr")</c>.</summary>
public sealed record LineFilterValue(string Value, bool IsIp);
