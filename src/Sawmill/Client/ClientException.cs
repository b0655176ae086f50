namespace Sawmill.Client;

/// <summary>An error the client reports to the user and exits on; <see cref="ExitCode"/> is what the process returns.</summary>
internal sealed class ClientException(string message, int exitCode = ExitCodes.ServerError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The server answered with an error (the text is printed as the server wrote it) or could not be reached.</summary>
    public const int ServerError = 1;
    /// <summary>Bad flags or arguments.</summary>
    public const int Usage = 2;
}
