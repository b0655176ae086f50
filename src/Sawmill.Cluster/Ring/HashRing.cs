namespace Sawmill.Cluster.Ring;

/// <summary>A set of instances to send an operation to, and how many of them may fail (Loki's ReplicationSet).</summary>
public sealed record ReplicationSet(IReadOnlyList<InstanceDesc> Instances, int MaxErrors)
{
    /// <summary>Successes needed: all but <see cref="MaxErrors"/>.</summary>
    public int MinSuccess => Instances.Count - MaxErrors;
}

/// <summary>Not enough healthy instances for an operation; the message is Loki's.</summary>
public sealed class RingException(string message) : Exception(message);

/// <summary>
/// An immutable snapshot of a token ring (Loki's consistent hashing): every instance owns random 32-bit tokens; a key is
/// served by the owners of the first <c>replication_factor</c> distinct instances clockwise from it. Writes need a
/// quorum of <c>floor(RF/2)+1</c> among them; reads go to every healthy instance and tolerate RF/2 failures.
/// Thread-safe (immutable).
/// </summary>
public sealed class HashRing
{
    private readonly uint[] _tokens;
    private readonly InstanceDesc[] _owners;

    public HashRing(IEnumerable<InstanceDesc> instances, int replicationFactor, TimeSpan heartbeatTimeout)
    {
        Instances = instances.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray();
        ReplicationFactor = replicationFactor;
        HeartbeatTimeout = heartbeatTimeout;
        var pairs = new List<(uint Token, InstanceDesc Owner)>();
        foreach (var i in Instances)
            foreach (var t in i.Tokens)
                pairs.Add((t, i));
        // Equal tokens (vanishingly rare with random tokens) go to the instance with the smaller id, deterministically.
        pairs.Sort((a, b) => a.Token != b.Token ? a.Token.CompareTo(b.Token) : string.CompareOrdinal(a.Owner.Id, b.Owner.Id));
        _tokens = pairs.Select(p => p.Token).ToArray();
        _owners = pairs.Select(p => p.Owner).ToArray();
    }

    public static readonly HashRing Empty = new([], 1, TimeSpan.Zero);

    public IReadOnlyList<InstanceDesc> Instances { get; }
    public int ReplicationFactor { get; }
    public TimeSpan HeartbeatTimeout { get; }

    /// <summary>
    /// The instances that own <paramref name="key"/> for <paramref name="op"/>: the first RF distinct instances
    /// clockwise, one more for each that is joining or leaving (on writes), then the unhealthy ones removed. Throws
    /// <see cref="RingException"/> when fewer than a quorum stay.
    /// </summary>
    public ReplicationSet Get(uint key, Operation op, long nowMs)
    {
        if (_tokens.Length == 0)
            throw new RingException("empty ring");
        var n = ReplicationFactor;
        var chosen = new List<InstanceDesc>(n + 2);
        var start = Search(key);
        for (var i = 0; i < _tokens.Length && chosen.Count < Math.Min(n, Instances.Count); i++)
        {
            var owner = _owners[(start + i) % _tokens.Length];
            if (chosen.Exists(c => c.Id == owner.Id))
                continue;
            chosen.Add(owner);
            if (op == Operation.Write && owner.State != InstanceState.Active)
                n++;
        }
        var rf = Math.Max(ReplicationFactor, chosen.Count);
        var minSuccess = rf / 2 + 1;
        var healthy = chosen.Where(c => c.IsHealthy(op, HeartbeatTimeout, nowMs)).ToList();
        if (healthy.Count < minSuccess)
        {
            var unhealthy = chosen.Where(c => !healthy.Contains(c)).Select(c => c.Addr).ToList();
            throw new RingException($"at least {minSuccess} live replicas required, could only find {healthy.Count}" +
                (unhealthy.Count > 0 ? " - unhealthy instances: " + string.Join(",", unhealthy) : ""));
        }
        return new ReplicationSet(healthy, healthy.Count - minSuccess);
    }

    /// <summary>
    /// Every healthy instance, for an operation that must reach all data (queries): the failures it may tolerate are
    /// the RF/2 replicas a stream can lose. Throws <see cref="RingException"/> when more are already unhealthy.
    /// </summary>
    public ReplicationSet GetAll(Operation op, long nowMs)
    {
        if (Instances.Count == 0)
            throw new RingException("empty ring");
        var healthy = Instances.Where(i => i.IsHealthy(op, HeartbeatTimeout, nowMs)).ToList();
        var required = Math.Max(Instances.Count, ReplicationFactor) - ReplicationFactor / 2;
        if (healthy.Count < required)
            throw new RingException("too many unhealthy instances in the ring");
        return new ReplicationSet(healthy, healthy.Count - required);
    }

    /// <summary>The owner of <paramref name="key"/> with one replica among healthy active instances (ruler group sharding).</summary>
    public InstanceDesc? Owner(uint key, long nowMs)
    {
        if (_tokens.Length == 0)
            return null;
        var start = Search(key);
        for (var i = 0; i < _tokens.Length; i++)
        {
            var owner = _owners[(start + i) % _tokens.Length];
            if (owner.IsHealthy(Operation.Write, HeartbeatTimeout, nowMs))
                return owner;
        }
        return null;
    }

    /// <summary>Index of the first token ≥ key (wrapping to 0).</summary>
    private int Search(uint key)
    {
        var i = Array.BinarySearch(_tokens, key);
        if (i < 0)
            i = ~i;
        return i >= _tokens.Length ? 0 : i;
    }

    /// <summary>Loki's stream token: 32-bit FNV-1 over the tenant id then the label set's text.</summary>
    public static uint TokenFor(string tenant, string labels)
    {
        var h = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(tenant))
            h = (h * 16777619u) ^ b;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(labels))
            h = (h * 16777619u) ^ b;
        return h;
    }

    /// <summary>
    /// <paramref name="count"/> tokens for an instance, derived from its id so that a restarted instance gets its old
    /// tokens back and owns the same streams (Loki keeps them in a tokens file for the same reason).
    /// </summary>
    public static uint[] TokensFor(string instanceId, int count)
    {
        var seed = (int)TokenFor("tokens", instanceId);
        var random = new Random(seed);
        var set = new HashSet<uint>();
        while (set.Count < count)
            set.Add((uint)random.NextInt64(0, 1L << 32));
        return set.Order().ToArray();
    }
}
