namespace Sawmill.Storage;

/// <summary>Counters and gauges of a store, read by the server's <c>/metrics</c>. Updated with Interlocked; thread-safe.</summary>
public sealed class StorageMetrics
{
    internal long EntriesAppended;
    internal long BytesAppended;
    internal long DuplicatesDropped;
    internal long OutOfOrderRejected;
    internal long WalRecordsReplayed;

    public long Entries => Interlocked.Read(ref EntriesAppended);
    public long Bytes => Interlocked.Read(ref BytesAppended);
    public long Duplicates => Interlocked.Read(ref DuplicatesDropped);
    public long OutOfOrder => Interlocked.Read(ref OutOfOrderRejected);
    public long Replayed => Interlocked.Read(ref WalRecordsReplayed);
    public long WalBytes { get; internal set; }
    public long WalSyncs { get; internal set; }
    public long Streams { get; internal set; }
}
