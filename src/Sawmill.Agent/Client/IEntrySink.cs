using Sawmill.Agent.Stages;

namespace Sawmill.Agent.Client;

/// <summary>
/// Where finished entries go (clients, or the dry-run printer). <see cref="WriteAsync"/> may wait: that is how a slow
/// or unreachable server slows the file readers down instead of growing memory. The sink takes over the entry's
/// tokens and completes them when the entry is delivered, durably spilled, or dropped.
/// </summary>
public interface IEntrySink
{
    ValueTask WriteAsync(PipelineEntry entry, CancellationToken cancellationToken);
}
