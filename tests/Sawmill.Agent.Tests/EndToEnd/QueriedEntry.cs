namespace Sawmill.Agent.Tests.EndToEnd;

/// <summary>One entry of a query_range answer: its stream's labels, timestamp (ns) and line.</summary>
internal sealed record QueriedEntry(IReadOnlyDictionary<string, string> Labels, long Ns, string Line);
