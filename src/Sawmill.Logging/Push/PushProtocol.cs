namespace Sawmill.Logging.Push;

/// <summary>Body format of <c>POST /loki/api/v1/push</c>.</summary>
public enum PushProtocol
{
    /// <summary><c>logproto.PushRequest</c> protobuf, snappy block-compressed (what Promtail sends).</summary>
    Protobuf,

    /// <summary>Loki's JSON push body, gzip-compressed when <see cref="SawmillPushOptions.Gzip"/> is on.</summary>
    Json,
}
