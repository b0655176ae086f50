using Sawmill.Server.Config;

namespace Sawmill.Server.Tests.Config;

/// <summary>The server's Loki-style flags and how they combine with the YAML file.</summary>
public sealed class ServerFlagsTests
{
    [Theory]
    [InlineData("-server.http-listen-port=9000")]
    [InlineData("--server.http-listen-port=9000")]
    [InlineData("-server.http-listen-port", "9000")]
    public void Flags_take_every_Go_flag_spelling(params string[] args)
    {
        var config = ServerFlags.Parse(args).BuildConfig();
        Assert.Equal(9000, config.HttpListenPort);
    }

    [Fact]
    public void With_no_flags_the_server_listens_on_loopback_3100_with_data_under_dot_data()
    {
        var config = ServerFlags.Parse([]).BuildConfig();
        Assert.Equal("127.0.0.1", config.HttpListenAddress);
        Assert.Equal(3100, config.HttpListenPort);
        Assert.Equal("./data", config.PathPrefix);
        Assert.False(config.AuthEnabled);
        Assert.Equal("logfmt", config.LogFormat);
    }

    [Fact]
    public void Boolean_flags_need_no_value()
    {
        var flags = ServerFlags.Parse(["-auth.enabled", "-print-config-stderr"]);
        Assert.True(flags.BuildConfig().AuthEnabled);
        Assert.True(flags.Bool("print-config-stderr"));
    }

    [Fact]
    public void Flags_override_the_config_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sawmill-flags-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "server:\n  http_listen_port: 4000\n  log_level: debug\ncommon:\n  path_prefix: /var/lib/x\n");
        try
        {
            var config = ServerFlags.Parse(["-config.file=" + path, "-server.http-listen-port=0", "-log.format=json"]).BuildConfig();
            Assert.Equal(0, config.HttpListenPort);
            Assert.Equal("debug", config.LogLevel);
            Assert.Equal("json", config.LogFormat);
            Assert.Equal("/var/lib/x", config.PathPrefix);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "-nope=1" }, "flag provided but not defined: -nope")]
    [InlineData(new[] { "-log.level=loud" }, "-log.level: \"loud\" is not allowed; use one of debug, info, warn, error")]
    [InlineData(new[] { "-log.format=xml" }, "use one of logfmt, json")]
    [InlineData(new[] { "-server.http-listen-port=70000" }, "70000 is not a TCP port")]
    [InlineData(new[] { "-target=querier" }, "-target=querier: Sawmill runs Loki's simple scalable targets: all (one process), write, read or backend")]
    [InlineData(new[] { "serve" }, "unexpected argument \"serve\"")]
    [InlineData(new[] { "-config.file" }, "flag needs an argument: -config.file")]
    [InlineData(new[] { "-config.file=/nonexistent/loki.yaml" }, "cannot read config file /nonexistent/loki.yaml")]
    public void Bad_flags_are_named_with_what_is_allowed(string[] args, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ServerFlags.Parse(args).BuildConfig());
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Help_lists_every_flag()
    {
        Assert.True(ServerFlags.Parse(["--help"]).Help);
        var usage = ServerFlags.Usage();
        foreach (var (name, _, _) in ServerFlags.All)
            Assert.Contains("-" + name, usage);
    }
}
