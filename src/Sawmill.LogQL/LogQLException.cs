namespace Sawmill.LogQL;

/// <summary>Base of every query error; <see cref="Exception.Message"/> is the text returned to clients.</summary>
public class LogQLException(string message, Exception? inner = null) : Exception(message, inner);
