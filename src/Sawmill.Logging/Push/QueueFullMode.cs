namespace Sawmill.Logging.Push;

/// <summary>What the push provider does with a new entry when its queue is full. Either way the drop is counted.</summary>
public enum QueueFullMode
{
    /// <summary>Discard the oldest queued entry to make room (keeps the most recent logs). The default.</summary>
    DropOldest,

    /// <summary>Discard the new entry (keeps the logs leading up to the outage).</summary>
    DropNewest,
}
