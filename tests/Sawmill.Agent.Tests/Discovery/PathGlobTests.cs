using Sawmill.Agent.Discovery;

namespace Sawmill.Agent.Tests.Discovery;

public sealed class PathGlobTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glob-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void Touch(string rel)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, "");
    }

    [Fact]
    public void Star_stays_in_one_segment_and_double_star_crosses_segments()
    {
        Touch("a.log");
        Touch("b.txt");
        Touch("x/c.log");
        Touch("x/y/d.log");
        Assert.Equal([$"{_dir}/a.log"], new PathGlob($"{_dir}/*.log").Expand());
        Assert.Equal([$"{_dir}/a.log", $"{_dir}/x/c.log", $"{_dir}/x/y/d.log"], new PathGlob($"{_dir}/**/*.log").Expand());
        Assert.Equal([$"{_dir}/x/c.log"], new PathGlob($"{_dir}/*/*.log").Expand());
    }

    [Fact]
    public void Classes_alternatives_and_question_marks()
    {
        Touch("app1.log");
        Touch("app2.log");
        Touch("web.log");
        Touch("db.err");
        Assert.Equal([$"{_dir}/app1.log"], new PathGlob($"{_dir}/app[1].log").Expand());
        Assert.Equal([$"{_dir}/app2.log"], new PathGlob($"{_dir}/app[!1].log").Expand());
        Assert.Equal([$"{_dir}/app1.log", $"{_dir}/app2.log"], new PathGlob($"{_dir}/app?.log").Expand());
        Assert.Equal([$"{_dir}/db.err", $"{_dir}/web.log"], new PathGlob($"{_dir}/{{web.log,db.*}}").Expand());
    }

    [Fact]
    public void A_plain_path_matches_itself_only_when_it_exists()
    {
        Touch("one.log");
        Assert.Single(new PathGlob($"{_dir}/one.log").Expand());
        Assert.Empty(new PathGlob($"{_dir}/two.log").Expand());
        Assert.Empty(new PathGlob($"{_dir}/missing/*.log").Expand());
    }

    [Fact]
    public void IsMatch_is_used_for_path_exclude()
    {
        var g = new PathGlob("/var/log/**/*.gz");
        Assert.True(g.IsMatch("/var/log/a/b/c.gz"));
        Assert.True(g.IsMatch("/var/log/c.gz"));
        Assert.False(g.IsMatch("/var/log/c.log"));
    }
}
