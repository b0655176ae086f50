using Sawmill.Core;

namespace Sawmill.Server.Protocol;

/// <summary>A stream as decoded from a push body, before validation: its label text and entries.</summary>
public sealed class RawStream(string labelsText, List<PushEntry> entries)
{
    public string LabelsText { get; } = labelsText;
    public List<PushEntry> Entries { get; } = entries;
}
