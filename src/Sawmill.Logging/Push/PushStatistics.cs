namespace Sawmill.Logging.Push;

/// <summary>
/// Counters of a push provider since it started. <see cref="Dropped"/>: entries discarded because the queue was
/// full (or logged after shutdown); <see cref="Failed"/>: entries in batches the server rejected (4xx other than
/// 429) or that were given up after the last retry. Enqueued = Sent + Dropped + Failed + in flight.
/// </summary>
public readonly record struct PushStatistics(
    long Enqueued, long Sent, long Dropped, long Failed, long Batches, long Retries, int QueueLength);
