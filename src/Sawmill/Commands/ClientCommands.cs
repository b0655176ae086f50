namespace Sawmill.Commands;

// Placeholder until the client commands land; replaced by the real commands.
internal static class ClientCommands
{
    private static Task<int> NotBuilt()
    {
        Console.Error.WriteLine("sawmill: this command is not built yet");
        return Task.FromResult(1);
    }

    public static Task<int> QueryAsync(string[] args) => NotBuilt();
    public static Task<int> InstantQueryAsync(string[] args) => NotBuilt();
    public static Task<int> LabelsAsync(string[] args) => NotBuilt();
    public static Task<int> SeriesAsync(string[] args) => NotBuilt();
    public static Task<int> TailAsync(string[] args) => NotBuilt();
    public static Task<int> StatsAsync(string[] args) => NotBuilt();
    public static Task<int> VolumeAsync(string[] args) => NotBuilt();
}
