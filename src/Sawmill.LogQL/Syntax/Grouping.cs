namespace Sawmill.LogQL.Syntax;

/// <summary><c>by (a, b)</c> or <c>without (a, b)</c>. Label order is kept as written.</summary>
public sealed record Grouping(bool Without, EquatableArray<string> Labels)
{
    public static readonly Grouping None = new(false, EquatableArray<string>.Empty);

    /// <summary>True when the grouping folds everything into one label-less series (<c>by ()</c> or none).</summary>
    public bool Singleton => !Without && Labels.Count == 0;
}
