using Sawmill.Cluster.Ring;

namespace Sawmill.Server.Cluster;

/// <summary>
/// Rule groups sharded over the backend ring (Loki's ruler sharding): a group belongs to the first healthy backend
/// clockwise from the hash of tenant, namespace and group name, so every group runs on exactly one backend while the
/// ring is stable, and moves to another within a poll once its owner leaves or stops heart-beating.
/// </summary>
public static class RulerSharding
{
    public static (Func<string, string, string, bool> Owns, Func<string> Fingerprint) For(RingClient ring, string self) =>
        ((tenant, ns, group) => ring.Current.Owner(HashRing.TokenFor(tenant, ns + "\0" + group), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())?.Id == self,
         () =>
         {
             var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
             return string.Join(",", ring.Current.Instances.Where(i => i.IsHealthy(Operation.Write, ring.Current.HeartbeatTimeout, now)).Select(i => i.Id));
         });
}
