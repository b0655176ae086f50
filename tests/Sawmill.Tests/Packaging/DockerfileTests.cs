using System.Text.Json;
using System.Text.RegularExpressions;
using Sawmill.Commands;
using Sawmill.Server.Config;
using Sawmill.Testing;

namespace Sawmill.Tests.Packaging;

/// <summary>
/// Docker cannot build here, so the Dockerfiles are checked for what the images promise: the build runs
/// deploy/docker/publish.sh (what <see cref="SingleFileTests"/> runs), the runtime stage is a shell-less base with a
/// non-root user, native libraries go to /tmp (the root filesystem may be read-only), the health check probes /ready
/// on the exposed port, and the default command's flags are flags the binary accepts.
/// </summary>
public sealed partial class DockerfileTests
{
    [Theory]
    [InlineData("Dockerfile.server", "3100")]
    [InlineData("Dockerfile.agent", "9080")]
    public void The_image_ships_the_tested_binary_as_a_non_root_user_with_a_ready_probe(string file, string port)
    {
        var lines = Instructions(file);
        Assert.Equal(2, lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
        Assert.Contains("RUN deploy/docker/publish.sh \"$TARGETARCH\" /out", lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^FROM mcr\.microsoft\.com/dotnet/runtime-deps:10\.0-[a-z]+-chiseled$"));
        Assert.Contains("COPY --from=build /out/sawmill /usr/local/bin/sawmill", lines);
        var user = lines.Single(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Split(':');
        Assert.All(user, u => Assert.NotEqual("0", u));
        Assert.DoesNotContain("root", user);
        Assert.Contains("ENV DOTNET_BUNDLE_EXTRACT_BASE_DIR=/tmp", lines);
        Assert.Contains("EXPOSE " + port, lines);
        var health = lines.Single(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.EndsWith($"CMD [\"/usr/local/bin/sawmill\", \"probe\", \"http://127.0.0.1:{port}/ready\"]", health, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_image_command_uses_real_server_flags_and_listens_on_the_exposed_port()
    {
        var lines = Instructions("Dockerfile.server");
        Assert.Equal(["/usr/local/bin/sawmill"], JsonArray(lines, "ENTRYPOINT"));
        var args = JsonArray(lines, "CMD");
        var flags = ServerFlags.Parse(args);
        Assert.Equal("0.0.0.0", flags.Get("server.http-listen-address"));
        Assert.Equal("3100", flags.Get("server.http-listen-port"));
        Assert.Equal("/var/lib/sawmill", flags.Get("common.path-prefix"));
        Assert.Contains("VOLUME [\"/var/lib/sawmill\"]", lines);
    }

    [Fact]
    public async Task The_agent_image_command_uses_real_agent_flags()
    {
        var lines = Instructions("Dockerfile.agent");
        Assert.Equal(["/usr/local/bin/sawmill", "agent"], JsonArray(lines, "ENTRYPOINT"));
        var args = JsonArray(lines, "CMD");
        Assert.Contains("-config.file=/etc/sawmill-agent/config.yaml", args);
        var dir = Directory.CreateTempSubdirectory("agent-image-").FullName;
        try
        {
            var config = Path.Combine(dir, "config.yaml");
            File.WriteAllText(config, "clients:\n  - url: http://sawmill:3100/loki/api/v1/push\n");
            var replaced = args.Select(a => a.StartsWith("-config.file=", StringComparison.Ordinal) ? "-config.file=" + config : a).Append("-check-syntax").ToArray();
            Assert.Equal(0, await AgentCommand.RunAsync(replaced));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The Dockerfile's instructions, comments dropped and continuation lines joined.</summary>
    private static List<string> Instructions(string file)
    {
        var text = File.ReadAllText(RepositoryFiles.Path("deploy", "docker", file));
        var result = new List<string>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || line.Length == 0)
                continue;
            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }
            result.Add(current + line);
            current = "";
        }
        return result;
    }

    private static string[] JsonArray(List<string> lines, string instruction)
    {
        var line = lines.Single(l => l.StartsWith(instruction + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string[]>(line[(instruction.Length + 1)..])!;
    }
}
