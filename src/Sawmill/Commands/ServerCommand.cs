namespace Sawmill.Commands;

// Placeholder until the owning change lands; replaced by the real command.
internal static class ServerCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("sawmill: this command is not built yet");
        return Task.FromResult(1);
    }
}
