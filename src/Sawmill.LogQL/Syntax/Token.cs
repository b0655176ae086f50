namespace Sawmill.LogQL.Syntax;

/// <summary>
/// A token: its kind and its position in the query text (<see cref="Start"/> inclusive, <see cref="End"/> exclusive).
/// <see cref="Text"/> is the decoded value for strings, and the raw text otherwise; <see cref="Number"/> holds
/// numbers, durations (ns) and byte sizes.
/// </summary>
internal readonly record struct Token(TokenKind Kind, int Start, int End, string Text, double Number = 0, long Nanos = 0);
