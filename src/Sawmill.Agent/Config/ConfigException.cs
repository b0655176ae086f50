namespace Sawmill.Agent.Config;

/// <summary>The agent configuration is invalid; the message names the key and reads like Promtail's errors.</summary>
public sealed class ConfigException(string message) : Exception(message);
