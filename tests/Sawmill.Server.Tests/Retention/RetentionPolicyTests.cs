using System.Text;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Server.Config;
using Sawmill.Server.Distribution;
using Sawmill.Server.Retention;

namespace Sawmill.Server.Tests.Retention;

/// <summary>
/// The retention policy in-process with a fixed clock: which cutoff each stream gets, what metadata and lookback see,
/// and what a compactor run removes. The end-to-end behaviour (a real server hiding and then removing data) is in
/// Api/RetentionAndDeleteTests.
/// </summary>
public sealed class RetentionPolicyTests
{
    private const long Now = 1_800_000_000L * TimeNs.PerSecond;
    private static readonly long Day = 24 * TimeNs.PerHour;

    private static RetentionPolicy Policy(LimitsConfig limits) => new(new TenantLimits(limits), () => Now);

    private static Labels L(string app, string env = "prod") => Labels.From(("app", app), ("env", env));

    [Fact]
    public void Without_a_period_nothing_is_cut()
    {
        var p = Policy(new LimitsConfig());
        Assert.Equal(long.MinValue, p.StreamCutoff("t", L("api")));
        Assert.Equal(long.MinValue, p.MetadataCutoff("t"));
        Assert.Equal(long.MinValue, p.LookbackCutoff("t"));
    }

    [Fact]
    public void The_tenant_period_cuts_every_stream_and_metadata()
    {
        var p = Policy(new LimitsConfig { RetentionPeriod = TimeSpan.FromDays(7) });
        Assert.Equal(Now - 7 * Day, p.StreamCutoff("t", L("api")));
        Assert.Equal(Now - 7 * Day, p.MetadataCutoff("t"));
    }

    [Fact]
    public void The_highest_priority_matching_stream_rule_wins_and_ties_keep_the_longer_period()
    {
        var p = Policy(new LimitsConfig
        {
            RetentionPeriod = TimeSpan.FromDays(30),
            RetentionStreams =
            [
                new RetentionStreamRule("{env=\"prod\"}", 1, TimeSpan.FromDays(2)),
                new RetentionStreamRule("{app=\"api\"}", 5, TimeSpan.FromDays(1)),
                new RetentionStreamRule("{app=\"api\", env=\"prod\"}", 5, TimeSpan.FromDays(3)),
            ],
        });
        Assert.Equal(Now - 3 * Day, p.StreamCutoff("t", L("api")));
        Assert.Equal(Now - 2 * Day, p.StreamCutoff("t", L("web")));
        Assert.Equal(Now - 30 * Day, p.StreamCutoff("t", L("web", "dev")));
        // With stream rules, metadata keeps everything: some stream may still hold data under a longer rule.
        Assert.Equal(long.MinValue, p.MetadataCutoff("t"));
    }

    [Fact]
    public void Lookback_limits_queries_but_not_what_compaction_removes()
    {
        var p = Policy(new LimitsConfig { MaxQueryLookback = TimeSpan.FromHours(1) });
        Assert.Equal(Now - TimeNs.PerHour, p.LookbackCutoff("t"));
        Assert.Equal(long.MinValue, p.ForCompaction(retentionEnabled: true, dueDeletes: []).Cutoff("t", L("api")));
    }

    [Fact]
    public void Compaction_applies_periods_only_when_retention_is_enabled()
    {
        var p = Policy(new LimitsConfig { RetentionPeriod = TimeSpan.FromDays(7) });
        Assert.Equal(Now - 7 * Day, p.ForCompaction(true, []).Cutoff("t", L("api")));
        Assert.Equal(long.MinValue, p.ForCompaction(false, []).Cutoff("t", L("api")));
    }

    [Fact]
    public async Task Compaction_removes_exactly_what_due_delete_requests_cover()
    {
        using var dir = new TempDir();
        var deletes = new DeleteRequestStore(dir.Path, TimeSpan.Zero);
        await deletes.AddAsync("t", "{app=\"api\"} |= \"secret\"", Now - 10 * TimeNs.PerSecond, Now - 5 * TimeNs.PerSecond, default);
        var run = Policy(new LimitsConfig()).ForCompaction(false, deletes.Due(Now));
        var secret = Encoding.UTF8.GetBytes("a secret line");
        Assert.True(run.MayDelete("t", L("api"), Now - 7 * TimeNs.PerSecond, Now));
        Assert.False(run.MayDelete("t", L("api"), Now - 4 * TimeNs.PerSecond, Now));
        Assert.False(run.MayDelete("t", L("web"), Now - 7 * TimeNs.PerSecond, Now));
        Assert.False(run.MayDelete("other", L("api"), Now - 7 * TimeNs.PerSecond, Now));
        Assert.True(run.IsDeleted("t", L("api"), Now - 6 * TimeNs.PerSecond, secret));
        Assert.False(run.IsDeleted("t", L("api"), Now - 6 * TimeNs.PerSecond, "public"u8));
        Assert.False(run.IsDeleted("t", L("api"), Now - 4 * TimeNs.PerSecond, secret));
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sawmill-retention-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
