namespace Sawmill.GoCompat;

public sealed partial class GoTemplate
{
    private abstract class Node;

    private sealed class TextNode(string text) : Node
    {
        public string Text { get; } = text;
    }

    private sealed class ActionNode(Pipe pipe) : Node
    {
        public Pipe Pipe { get; } = pipe;
    }

    private enum BranchKind
    {
        If,
        Range,
        With,
    }

    private sealed class BranchNode(BranchKind kind, Pipe pipe, Node[] list, Node[]? elseList) : Node
    {
        public BranchKind Kind { get; } = kind;
        public Pipe Pipe { get; } = pipe;
        public Node[] List { get; } = list;
        public Node[]? Else { get; } = elseList;
    }

    private sealed class BreakNode : Node;

    private sealed class ContinueNode : Node;

    private sealed class Pipe(string[] decl, bool isAssign, Cmd[] cmds)
    {
        public string[] Decl { get; } = decl;
        public bool IsAssign { get; } = isAssign;
        public Cmd[] Cmds { get; } = cmds;
    }

    private sealed class Cmd(Arg[] args)
    {
        public Arg[] Args { get; } = args;
    }

    private abstract class Arg;

    /// <summary><c>.a.b</c>: fields of dot.</summary>
    private sealed class FieldArg(string[] idents) : Arg
    {
        public string[] Idents { get; } = idents;
    }

    private sealed class DotArg : Arg;

    /// <summary><c>$x.a.b</c> (no idents for plain <c>$x</c>).</summary>
    private sealed class VarArg(string name, string[] idents) : Arg
    {
        public string Name { get; } = name;
        public string[] Idents { get; } = idents;
    }

    /// <summary>A function name.</summary>
    private sealed class IdentArg(string name) : Arg
    {
        public string Name { get; } = name;
    }

    /// <summary>A constant: string, long, double, bool or null (nil).</summary>
    private sealed class LitArg(object? value, bool isNil = false) : Arg
    {
        public object? Value { get; } = value;
        public bool IsNil { get; } = isNil;
    }

    /// <summary><c>(pipeline).a.b</c>.</summary>
    private sealed class PipeArg(Pipe pipe, string[] idents) : Arg
    {
        public Pipe Pipe { get; } = pipe;
        public string[] Idents { get; } = idents;
    }
}
