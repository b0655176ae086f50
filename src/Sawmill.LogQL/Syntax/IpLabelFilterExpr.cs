namespace Sawmill.LogQL.Syntax;

/// <summary><c>addr = ip("10.0.0.0/8")</c> or <c>!=</c>: the label is an IP inside the address, range or CIDR.</summary>
public sealed record IpLabelFilterExpr(string Name, bool Equal, string Pattern) : LabelFilterExpr;
