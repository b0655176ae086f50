using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;

namespace Sawmill.Storage.Tests.Head;

/// <summary>
/// Full head blocks are compressed by a background sealer while pushes go on. Whatever the interleaving, a read sees
/// every acknowledged entry exactly once and in order — while a block waits, while it is being sealed, when a flush
/// seals it first — and a restart after a flush finds them all.
/// </summary>
public sealed class HeadSealingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sawmill-seal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<LogStore> Open() => LogStore.OpenAsync(new LogStoreOptions
    {
        Directory = _dir,
        BlockSize = 300,
        ChunkTargetSize = 2048,
        BackgroundFlush = false,
    }, NullLogger.Instance);

    private static readonly Labels App = Labels.From(("app", "seal"));

    private static List<string> Lines(LogStore store)
    {
        var result = new List<string>();
        foreach (var it in store.Select(new SelectRequest
        {
            Tenant = "t",
            Matchers = [LabelMatcher.Equal("app", "seal")],
            StartNs = 0,
            EndNs = long.MaxValue,
            Direction = Direction.Forward,
        }, default))
        {
            using (it)
                while (it.Next())
                    result.Add(Encoding.UTF8.GetString(it.Line));
        }
        return result;
    }

    private static string Line(int i) => $"entry {i:D6} " + new string((char)('a' + i % 26), 20 + i % 40);

    [Fact]
    public async Task Reads_during_background_sealing_see_every_acknowledged_entry_once_in_order()
    {
        const int total = 6000;
        await using (var store = await Open())
        {
            var acknowledged = 0;
            var writer = Task.Run(async () =>
            {
                for (var i = 0; i < total; i += 10)
                {
                    var entries = new List<PushEntry>();
                    for (var j = i; j < i + 10; j++)
                        entries.Add(new PushEntry(1_000_000L + j, Encoding.UTF8.GetBytes(Line(j))));
                    await store.PushAsync("t", [new PushStream(App, entries)], default);
                    Volatile.Write(ref acknowledged, i + 10);
                    if (i % 1000 == 0)
                        await store.FlushAsync(force: false);
                }
            });
            var reads = 0;
            while (!writer.IsCompleted || reads == 0)
            {
                var before = Volatile.Read(ref acknowledged);
                var lines = Lines(store);
                Assert.True(lines.Count >= before, $"read {lines.Count} entries, {before} were acknowledged");
                for (var k = 0; k < lines.Count; k++)
                    Assert.Equal(Line(k), lines[k]);
                reads++;
            }
            await writer;
            Assert.Equal(Enumerable.Range(0, total).Select(Line), Lines(store));
            await store.FlushAsync(force: true);
            Assert.Equal(Enumerable.Range(0, total).Select(Line), Lines(store));
        }
        await using (var reopened = await Open())
            Assert.Equal(Enumerable.Range(0, total).Select(Line), Lines(reopened));
    }
}
