namespace Sawmill.Ruler;

/// <summary>A rule file or group that is not valid; the message is what the API answers (400) and the loader logs.</summary>
public sealed class RuleValidationException(string message) : Exception(message);
