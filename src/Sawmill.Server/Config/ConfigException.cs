namespace Sawmill.Server.Config;

/// <summary>A configuration error: names the key, the value and what is allowed. Start-up stops on it.</summary>
public sealed class ConfigException(string message) : Exception(message);
