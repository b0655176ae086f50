using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sawmill.Core;
using Sawmill.LogQL.Engine;
using Sawmill.Storage;

namespace Sawmill.LogQL.Tests.Engine;

/// <summary>
/// The same engine scripts, loaded into a real temporary <see cref="LogStore"/> (head and flushed blocks) instead of
/// the in-memory reader: the engine's results must not depend on the storage behind <see cref="ILogReader"/>.
/// </summary>
public sealed class LogStoreEngineScriptTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in EngineScriptTests.All.Keys)
            data.Add(f);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Script_passes_against_a_real_store(string file)
    {
        var script = EngineScriptTests.All[file];
        var stores = new Dictionary<int, (LogStore Store, string Dir)>();
        try
        {
            foreach (var c in script.Cases)
            {
                if (!stores.TryGetValue(c.DataVersion, out var s))
                {
                    var dir = Path.Combine(Path.GetTempPath(), "sawmill-logql-" + Guid.NewGuid().ToString("N"));
                    var store = await LogStore.OpenAsync(new LogStoreOptions { Directory = dir, BackgroundFlush = false, OutOfOrderWindow = TimeSpan.FromDays(365 * 60) }, NullLogger.Instance);
                    var streams = script.DataVersions[c.DataVersion]
                        .Select(st => new PushStream(st.Labels, st.Entries.OrderBy(e => e.Ts)
                            .Select(e => new PushEntry(e.Ts, Encoding.UTF8.GetBytes(e.Line), e.Md)).ToList()))
                        .Where(st => st.Entries.Count > 0).ToList();
                    if (streams.Count > 0)
                        await store.PushAsync(EngineScriptTests.Tenant, streams, CancellationToken.None);
                    await store.FlushAsync(force: true);
                    stores[c.DataVersion] = s = (store, dir);
                }
                await EngineScriptTests.Run(new LogQLEngine(s.Store), c);
            }
        }
        finally
        {
            foreach (var (store, dir) in stores.Values)
            {
                await store.DisposeAsync();
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
