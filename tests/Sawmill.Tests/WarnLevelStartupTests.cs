using Sawmill.Testing;

namespace Sawmill.Tests;

public sealed class WarnLevelStartupTests
{
    [Fact]
    public async Task The_listening_address_is_logged_even_at_warn_level()
    {
        await using var server = await SawmillProcess.StartAsync(["-log.level=warn"], timeout: TimeSpan.FromSeconds(60));
        Assert.Contains("msg=\"HTTP server listening\"", server.Output);
        Assert.DoesNotContain("msg=\"Sawmill started\"", server.Output);
    }
}
