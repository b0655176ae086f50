using Sawmill.Core;

namespace Sawmill.LogQL.Engine;

/// <summary>
/// Runs the per-stream work of one query on up to <c>max_query_parallelism</c> threads (never more than the cores or the
/// streams), rethrows the first failure as itself rather than wrapped, and disposes every iterator whatever happens.
/// </summary>
internal static class StreamWorkers
{
    /// <param name="work">Called once per worker with (worker index, worker count).</param>
    public static void Run(IReadOnlyList<IEntryIterator> iterators, int maxParallelism, CancellationToken token, Action<int, int> work)
    {
        try
        {
            ForEachWorker(iterators.Count, maxParallelism, token, work);
        }
        finally
        {
            foreach (var it in iterators)
                it.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> once per worker, (worker index, worker count), on up to
    /// <paramref name="maxParallelism"/> threads but never more than the cores or the <paramref name="items"/>;
    /// rethrows the first failure as itself.
    /// </summary>
    public static void ForEachWorker(int items, int maxParallelism, CancellationToken token, Action<int, int> work)
    {
        try
        {
            var workers = Math.Clamp(Math.Min(maxParallelism, Environment.ProcessorCount), 1, Math.Max(1, items));
            if (workers == 1)
                work(0, 1);
            else
                Parallel.For(0, workers, new ParallelOptions { CancellationToken = token, MaxDegreeOfParallelism = workers }, w => work(w, workers));
        }
        catch (AggregateException ae) when (ae.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ae.InnerException).Throw();
            throw;
        }
    }

    /// <summary>Adds one worker's step counters into the shared ones (under a lock on <paramref name="into"/>).</summary>
    public static void Merge(Dictionary<Labels, StepCounter> local, Dictionary<Labels, StepCounter> into)
    {
        lock (into)
        {
            foreach (var (k, v) in local)
            {
                if (into.TryGetValue(k, out var target))
                    target.Merge(v);
                else
                    into[k] = v;
            }
        }
    }
}
