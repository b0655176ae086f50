using Sawmill.Agent.Client;
using Sawmill.Agent.Positions;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sawmill.Agent.Tests.Positions;

public sealed class PositionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pos-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Saves_in_promtails_format_and_reads_back()
    {
        var path = Path.Combine(_dir, "positions.yaml");
        var p = PositionsFile.Open(path, false);
        p.Set("/var/log/a.log", 123);
        p.Set("/var/log/b c.log", 7);
        Assert.True(p.SaveIfDirty());
        Assert.False(p.SaveIfDirty());
        var text = File.ReadAllText(path);
        Assert.StartsWith("positions:\n", text);
        Assert.Contains("\"/var/log/a.log\": \"123\"", text);
        Assert.False(File.Exists(path + ".tmp"));
        var again = PositionsFile.Open(path, false);
        Assert.Equal(123, again.Get("/var/log/a.log"));
        Assert.Equal(7, again.Get("/var/log/b c.log"));
    }

    [Fact]
    public void Reads_a_file_written_by_promtail()
    {
        var path = Path.Combine(_dir, "positions.yaml");
        File.WriteAllText(path, "positions:\n  /var/log/syslog: \"4096\"\n  /var/log/pods/x/0.log: \"10\"\n");
        var p = PositionsFile.Open(path, false);
        Assert.Equal(4096, p.Get("/var/log/syslog"));
        Assert.Equal(10, p.Get("/var/log/pods/x/0.log"));
    }

    [Fact]
    public void Invalid_yaml_is_an_error_unless_ignored()
    {
        var path = Path.Combine(_dir, "positions.yaml");
        File.WriteAllText(path, "positions: [ {");
        Assert.Throws<InvalidDataException>(() => PositionsFile.Open(path, false));
        Assert.Equal(0, PositionsFile.Open(path, true).Get("/x"));
    }

    [Fact]
    public void The_position_advances_only_over_a_completed_prefix()
    {
        var p = PositionsFile.Open(Path.Combine(_dir, "positions.yaml"), false);
        var t = new PositionTracker(p, "/f");
        var a = t.Issue(10);
        var b = t.Issue(20);
        var c = t.Issue(30);
        b.Complete();
        Assert.False(p.Contains("/f"));
        a.Complete();
        Assert.Equal(20, p.Get("/f"));
        c.AddRefs(1); // sent to two clients
        c.Complete();
        Assert.Equal(20, p.Get("/f"));
        c.Complete();
        Assert.Equal(30, p.Get("/f"));
    }

    [Fact]
    public void A_retired_generation_no_longer_moves_the_position()
    {
        var p = PositionsFile.Open(Path.Combine(_dir, "positions.yaml"), false);
        var old = new PositionTracker(p, "/f");
        var late = old.Issue(5000);
        old.Retire();
        p.Set("/f", 0);
        var fresh = new PositionTracker(p, "/f");
        fresh.Issue(12).Complete();
        late.Complete();
        Assert.Equal(12, p.Get("/f"));
    }

    [Fact]
    public void Spill_buffer_round_trips_and_sets_corrupt_files_aside()
    {
        var dir = Path.Combine(_dir, "spill");
        var s = new SpillBuffer(dir, NullLogger.Instance);
        s.Write("tenant-a", 3, [1, 2, 3, 4]);
        s.Write("", 1, [9]);
        var reopened = new SpillBuffer(dir, NullLogger.Instance);
        Assert.Equal(2, reopened.Count);
        var first = reopened.Peek()!.Value;
        Assert.Equal("tenant-a", first.Tenant);
        Assert.Equal(3, first.Entries);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, first.Payload);
        reopened.Remove(first.Seq);
        // Flip a payload byte in the remaining file: the checksum catches it.
        var file = Directory.GetFiles(dir, "*.batch").Single();
        var bytes = File.ReadAllBytes(file);
        bytes[^5] ^= 0xff;
        File.WriteAllBytes(file, bytes);
        var third = new SpillBuffer(dir, NullLogger.Instance);
        Assert.Null(third.Peek());
        Assert.Single(Directory.GetFiles(dir, "*.corrupt"));
        // New batches continue the sequence after what was on disk.
        third.Write("b", 1, [1]);
        Assert.Equal("b", third.Peek()!.Value.Tenant);
    }
}
