using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sawmill.Cluster.Ring;

/// <summary>A ring member's lifecycle state (Loki's: a joining or leaving instance takes no new writes).</summary>
public enum InstanceState
{
    Active,
    Joining,
    Leaving,
}

/// <summary>
/// One member of a ring as stored in the key-value store (JSON under <c>&lt;prefix&gt;&lt;ring&gt;/&lt;id&gt;</c>): its id,
/// the HTTP address other nodes reach it at, its tokens, state and last heartbeat. Immutable.
/// </summary>
public sealed record InstanceDesc
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary><c>host:port</c> of its HTTP server.</summary>
    [JsonPropertyName("addr")]
    public required string Addr { get; init; }

    [JsonPropertyName("state")]
    [JsonConverter(typeof(JsonStringEnumConverter<InstanceState>))]
    public InstanceState State { get; init; } = InstanceState.Active;

    [JsonPropertyName("tokens")]
    public uint[] Tokens { get; init; } = [];

    /// <summary>Unix milliseconds of the last heartbeat.</summary>
    [JsonPropertyName("heartbeat")]
    public long HeartbeatMs { get; init; }

    [JsonPropertyName("registered")]
    public long RegisteredMs { get; init; }

    /// <summary>
    /// A random id kept in the node's data directory: the same node restarted (perhaps on another port) has the same one,
    /// so it may take over its old entry; another node that was given the same instance id has another one.
    /// </summary>
    [JsonPropertyName("node")]
    public string Node { get; init; } = "";

    /// <summary>
    /// Write nodes: the oldest timestamp (Unix ns) of data the node holds that is not in the bucket yet
    /// (<see cref="long.MaxValue"/> when none) — the compactor marks a delete request processed only past it.
    /// </summary>
    [JsonPropertyName("oldest_unshipped")]
    public long OldestUnshippedNs { get; init; } = long.MaxValue;

    /// <summary>Healthy for <paramref name="op"/>: heartbeat within the timeout and a state that serves it (Loki's rule).</summary>
    public bool IsHealthy(Operation op, TimeSpan heartbeatTimeout, long nowMs)
    {
        if (heartbeatTimeout > TimeSpan.Zero && nowMs - HeartbeatMs > (long)heartbeatTimeout.TotalMilliseconds)
            return false;
        return op switch
        {
            Operation.Write => State == InstanceState.Active,
            _ => State is InstanceState.Active or InstanceState.Leaving,
        };
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, RingJsonContext.Default.InstanceDesc);

    public static InstanceDesc? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RingJsonContext.Default.InstanceDesc);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What a replication set is for: writes skip joining and leaving instances, reads only need them alive.</summary>
public enum Operation
{
    Write,
    Read,
}

[JsonSerializable(typeof(InstanceDesc))]
internal sealed partial class RingJsonContext : JsonSerializerContext;
