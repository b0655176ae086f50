namespace Sawmill.LogQL.Syntax;

/// <summary>Lexical token kinds. Keywords are lexed as <see cref="Identifier"/>; the parser decides by context.</summary>
internal enum TokenKind
{
    End,
    Identifier,
    String,
    Number,
    Duration,
    Bytes,
    /// <summary><c>[5m]</c> as one token, like Loki's RANGE.</summary>
    Range,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Dot,
    /// <summary><c>--strict</c>, <c>--keep-empty</c>.</summary>
    Flag,
    RBracket,
    Assign,
    NotEq,
    RegexMatch,
    NotRegexMatch,
    PipeExact,
    PipeMatch,
    PipePattern,
    NotPattern,
    Pipe,
    Gt,
    Gte,
    Lt,
    Lte,
    CmpEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}
