namespace Sawmill.Core;

/// <summary>Tenant ids and their validation, following Loki's rules for <c>X-Scope-OrgID</c>.</summary>
public static class Tenant
{
    /// <summary>The tenant used when authentication is disabled, as in Loki.</summary>
    public const string Default = "fake";

    public const int MaxLength = 150;

    /// <summary>Returns null when valid, else Loki-style error text.</summary>
    public static string? Validate(string id)
    {
        if (id.Length == 0)
            return "tenant ID is empty";
        if (id.Length > MaxLength)
            return $"tenant ID is too long: max {MaxLength} characters";
        if (id is "." or "..")
            return "tenant ID is '.' or '..'";
        foreach (var c in id)
        {
            var ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                or '!' or '-' or '_' or '.' or '*' or '\'' or '(' or ')';
            if (!ok)
                return $"tenant ID '{id}' contains unsupported character '{c}'";
        }
        return null;
    }
}
