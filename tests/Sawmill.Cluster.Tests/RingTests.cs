using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Cluster.Ring;
using Sawmill.Testing;

namespace Sawmill.Cluster.Tests;

public sealed class HashRingTests
{
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static InstanceDesc Instance(string id, InstanceState state = InstanceState.Active, long? heartbeat = null) => new()
    {
        Id = id,
        Addr = id + ":3100",
        State = state,
        Tokens = HashRing.TokensFor(id, 128),
        HeartbeatMs = heartbeat ?? Now,
    };

    [Fact]
    public void A_key_goes_to_replication_factor_distinct_instances_and_a_quorum_is_needed()
    {
        var ring = new HashRing([Instance("a"), Instance("b"), Instance("c"), Instance("d")], 3, TimeSpan.FromMinutes(1));
        var counts = new Dictionary<string, int>();
        for (uint key = 0; key < 100_000; key += 7)
        {
            var set = ring.Get(HashRing.TokenFor("tenant", $"{{app=\"{key}\"}}"), Operation.Write, Now);
            Assert.Equal(3, set.Instances.Select(i => i.Id).Distinct().Count());
            Assert.Equal(1, set.MaxErrors);
            Assert.Equal(2, set.MinSuccess);
            foreach (var i in set.Instances)
                counts[i.Id] = counts.GetValueOrDefault(i.Id) + 1;
        }
        // 128 random tokens each spread the streams roughly evenly.
        Assert.All(counts.Values, c => Assert.InRange(c, 0.6 * counts.Values.Average(), 1.4 * counts.Values.Average()));
    }

    [Fact]
    public void Unhealthy_instances_are_left_out_and_too_many_fail_with_lokis_message()
    {
        var stale = Now - 120_000;
        var ring = new HashRing([Instance("a"), Instance("b", heartbeat: stale), Instance("c")], 3, TimeSpan.FromMinutes(1));
        var set = ring.Get(12345, Operation.Write, Now);
        Assert.Equal(["a", "c"], set.Instances.Select(i => i.Id).Order());
        Assert.Equal(0, set.MaxErrors);

        var worse = new HashRing([Instance("a"), Instance("b", heartbeat: stale), Instance("c", heartbeat: stale)], 3, TimeSpan.FromMinutes(1));
        var e = Assert.Throws<RingException>(() => worse.Get(12345, Operation.Write, Now));
        Assert.StartsWith("at least 2 live replicas required, could only find 1 - unhealthy instances: ", e.Message);
        Assert.Throws<RingException>(() => worse.GetAll(Operation.Read, Now));
        var reads = ring.GetAll(Operation.Read, Now);
        Assert.Equal(2, reads.Instances.Count);
        Assert.Equal(0, reads.MaxErrors);
    }

    [Fact]
    public void A_leaving_instance_extends_the_write_set_and_still_serves_reads()
    {
        var ring = new HashRing([Instance("a"), Instance("b", InstanceState.Leaving), Instance("c"), Instance("d")], 3, TimeSpan.FromMinutes(1));
        for (uint key = 0; key < 50_000; key += 101)
        {
            var set = ring.Get(key, Operation.Write, Now);
            Assert.DoesNotContain(set.Instances, i => i.Id == "b");
            Assert.Equal(3, set.Instances.Count);
        }
        Assert.Contains(ring.GetAll(Operation.Read, Now).Instances, i => i.Id == "b");
    }

    [Fact]
    public void Tokens_are_stable_for_an_instance_id()
    {
        Assert.Equal(HashRing.TokensFor("ingester-1", 128), HashRing.TokensFor("ingester-1", 128));
        Assert.NotEqual(HashRing.TokensFor("ingester-1", 128), HashRing.TokensFor("ingester-2", 128));
        Assert.Equal(128, HashRing.TokensFor("x", 128).Distinct().Count());
    }
}

/// <summary>The ring and the leader lease on a real etcd (Debian's etcd-server) and on the in-memory store.</summary>
public sealed class RingStoreTests : IAsyncLifetime
{
    private EtcdProcess _etcd = null!;

    public async Task InitializeAsync() => _etcd = await EtcdProcess.StartAsync();

    public async Task DisposeAsync() => await _etcd.DisposeAsync();

    private IKvStore Store(string kind) => kind == "etcd" ? new EtcdKvStore([_etcd.Endpoint], TimeSpan.FromSeconds(5)) : new InMemoryKvStore();

    private static InstanceDesc Desc(string id) => new() { Id = id, Addr = "127.0.0.1:" + id.Length, Tokens = HashRing.TokensFor(id, 16) };

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("inmemory")]
    public async Task Members_heartbeat_and_one_that_stops_leaves_after_the_heartbeat_timeout(string kind)
    {
        await using var store = Store(kind);
        var prefix = $"test-{Guid.NewGuid():N}/";
        var timeout = TimeSpan.FromSeconds(2);
        await using var client = new RingClient(store, prefix, "ingester", 3, timeout, TimeSpan.FromMilliseconds(200), NullLogger.Instance);
        var a = new Lifecycler(store, prefix, "ingester", Desc("a"), TimeSpan.FromMilliseconds(300), timeout, NullLogger.Instance);
        var b = new Lifecycler(store, prefix, "ingester", Desc("b"), TimeSpan.FromMilliseconds(300), timeout, NullLogger.Instance);
        await a.StartAsync(default);
        await b.StartAsync(default);
        await client.StartAsync(default);
        Assert.Equal(["a", "b"], client.Current.Instances.Select(i => i.Id));

        // Heartbeats move on and keep both alive well past the lease TTL.
        var first = client.Current.Instances[0].HeartbeatMs;
        await Task.Delay(timeout * 2);
        await client.RefreshAsync(default);
        Assert.Equal(2, client.Current.Instances.Count);
        Assert.True(client.Current.Instances[0].HeartbeatMs > first);

        // b stops heart-beating without leaving (as after kill -9): its entry expires with its lease.
        await b.DisposeAsync();
        await Eventually(async () =>
        {
            await client.RefreshAsync(default);
            return client.Current.Instances.Select(i => i.Id).SequenceEqual(["a"]);
        }, "b was not removed after the heartbeat timeout");

        // Leaving removes at once.
        await a.LeaveAsync(default);
        await client.RefreshAsync(default);
        Assert.Empty(client.Current.Instances);
        await a.DisposeAsync();
    }

    [Theory]
    [InlineData("etcd")]
    [InlineData("inmemory")]
    public async Task One_node_at_a_time_holds_the_leader_lease_and_another_takes_it_when_the_holder_dies(string kind)
    {
        await using var store = Store(kind);
        var key = $"test-{Guid.NewGuid():N}/compactor";
        var ttl = TimeSpan.FromSeconds(2);
        var x = new LeaderLease(store, key, "x", ttl, NullLogger.Instance);
        await using var y = new LeaderLease(store, key, "y", ttl, NullLogger.Instance);
        x.Start();
        await Eventually(() => Task.FromResult(x.IsHeld), "x never got the lease");
        y.Start();
        // y keeps trying for longer than the TTL and never gets it while x renews.
        var until = DateTime.UtcNow + ttl * 2;
        while (DateTime.UtcNow < until)
        {
            Assert.False(y.IsHeld);
            Assert.True(x.IsHeld);
            await Task.Delay(100);
        }
        Assert.Equal("x", await y.HolderAsync(default));
        await x.DisposeAsync();
        await Eventually(() => Task.FromResult(y.IsHeld), "y never took over");
        Assert.Equal("y", await y.HolderAsync(default));
    }
}

/// <summary>The leader lease when renewals time out (a loaded machine) while the lease itself survives.</summary>
public sealed class LeaderLeaseRenewalTests
{
    /// <summary>A real store whose renewals fail, as a timed-out etcd call does, while <see cref="Failing"/> is set.</summary>
    private sealed class FlakyRenewals(IKvStore inner) : IKvStore
    {
        public volatile bool Failing;
        public int Failed;

        public string Description => inner.Description;
        public Task<IReadOnlyList<KeyValuePair<string, byte[]>>> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);
        public Task<long> GrantAsync(TimeSpan ttl, CancellationToken cancellationToken) => inner.GrantAsync(ttl, cancellationToken);

        public Task RenewAsync(long lease, CancellationToken cancellationToken)
        {
            if (!Failing)
                return inner.RenewAsync(lease, cancellationToken);
            Interlocked.Increment(ref Failed);
            throw new RingException("etcd did not renew the lease in time");
        }

        public Task RevokeAsync(long lease, CancellationToken cancellationToken) => inner.RevokeAsync(lease, cancellationToken);
        public Task PutAsync(string key, byte[] value, long lease, CancellationToken cancellationToken) => inner.PutAsync(key, value, lease, cancellationToken);
        public Task<bool> CreateAsync(string key, byte[] value, long lease, CancellationToken cancellationToken) => inner.CreateAsync(key, value, lease, cancellationToken);
        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task A_holder_whose_renewal_timed_out_takes_the_lock_back_while_its_lease_lives()
    {
        await using var store = new InMemoryKvStore();
        var flaky = new FlakyRenewals(store);
        var ttl = TimeSpan.FromSeconds(30);
        await using var x = new LeaderLease(flaky, "compactor", "x", ttl, NullLogger.Instance);
        await using var y = new LeaderLease(store, "compactor", "y", ttl, NullLogger.Instance);
        x.Start();
        await ClusterHarness.Eventually(() => Task.FromResult(x.IsHeld), "x holds the lock");
        y.Start();
        flaky.Failing = true;
        await ClusterHarness.Eventually(() => Task.FromResult(!x.IsHeld), "x stops on the failed renewal");
        flaky.Failing = false;
        // Attempts come every TTL/3 (10 s): x's lease survived, so x holds the lock again at the next one, before the TTL
        // could have freed the key for y (without taking it back, x would wait for its own key to expire).
        await ClusterHarness.Eventually(() => Task.FromResult(x.IsHeld), "x holds the lock again", TimeSpan.FromSeconds(15));
        Assert.False(y.IsHeld);
        Assert.Equal("x", await y.HolderAsync(default));
    }
}
