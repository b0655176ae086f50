namespace Sawmill.LogQL.Syntax;

/// <summary>
/// A token: its kind and its position in the query text (<see cref="Start"/> inclusive, <see cref="End"/> exclusive).
/// <see cref="Text"/> is the decoded value for strings, and the raw text otherwise; <see cref="Number"/> holds
/// numbers, durations (ns) and byte sizes. <see cref="Invalid"/> marks a number Go's <c>strconv.ParseFloat</c> refuses
/// (<c>0x10</c>): Loki lexes it as a number and reports it only where the grammar converts it, so the parser decides.
/// <see cref="NoLine"/>: Loki reports this token's position with line 0 (its lexer read past the token start with
/// the scanner's Next). <see cref="Other"/>: a character Loki's lexer has no token for, an identifier to its parser.
/// </summary>
internal readonly record struct Token(TokenKind Kind, int Start, int End, string Text, double Number = 0, long Nanos = 0, bool Invalid = false,
    bool NoLine = false, bool Other = false);
