using Sawmill.Storage.Blocks;
using Sawmill.Storage.Head;

namespace Sawmill.Storage;

/// <summary>
/// Everything a store holds for one tenant: the head and the opened persisted blocks. <see cref="ViewLock"/> makes a
/// flush's "block becomes visible, its chunks leave memory" step atomic for readers, so a query sees each entry
/// exactly once; pushes never take it.
/// </summary>
internal sealed class TenantState(string name, HeadSettings settings)
{
    public string Name { get; } = name;
    public TenantHead Head { get; } = new(settings);
    public object ViewLock { get; } = new();
    private BlockReader[] _blocks = [];

    /// <summary>The opened blocks (an immutable snapshot; replaced under <see cref="ViewLock"/>).</summary>
    public BlockReader[] Blocks
    {
        get => Volatile.Read(ref _blocks);
        set => Volatile.Write(ref _blocks, value);
    }
}
