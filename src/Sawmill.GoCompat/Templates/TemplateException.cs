namespace Sawmill.GoCompat;

/// <summary>An error while executing a <see cref="GoTemplate"/>; the message reads like Go's.</summary>
public sealed class TemplateException(string message) : Exception(message);
