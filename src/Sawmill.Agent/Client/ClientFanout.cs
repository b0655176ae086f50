using Sawmill.Agent.Stages;

namespace Sawmill.Agent.Client;

/// <summary>Sends every entry to every client (Promtail's multi-client behaviour); a line's position waits for all of them.</summary>
public sealed class ClientFanout(IReadOnlyList<IEntrySink> clients) : IEntrySink
{
    public async ValueTask WriteAsync(PipelineEntry entry, CancellationToken cancellationToken)
    {
        if (clients.Count == 1)
        {
            await clients[0].WriteAsync(entry, cancellationToken);
            return;
        }
        foreach (var t in entry.Tokens)
            t.AddRefs(clients.Count - 1);
        for (var i = 0; i < clients.Count; i++)
        {
            var copy = i == clients.Count - 1 ? entry : Copy(entry);
            await clients[i].WriteAsync(copy, cancellationToken);
        }
    }

    private static PipelineEntry Copy(PipelineEntry e)
    {
        var c = new PipelineEntry(new Dictionary<string, string>(e.Labels, StringComparer.Ordinal), e.TimestampNs, e.Line)
        {
            Metadata = e.Metadata == null ? null : new Dictionary<string, string>(e.Metadata, StringComparer.Ordinal),
        };
        c.Tokens.AddRange(e.Tokens);
        return c;
    }
}
