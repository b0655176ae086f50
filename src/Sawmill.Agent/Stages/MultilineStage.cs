using System.Text;
using System.Text.RegularExpressions;
using Sawmill.Core;

namespace Sawmill.Agent.Stages;

/// <summary>
/// Promtail's <c>multiline</c> stage: a line matching <c>firstline</c> starts a new block; other lines join the current
/// block with <c>\n</c>. A block is sent when the next block starts, when it reaches <c>max_lines</c> (default 128), or
/// when no line arrived for <c>max_wait_time</c> (default 3s). The block keeps the first line's timestamp and labels
/// and carries the tokens of all its lines, so its file position is saved only once the whole block is acknowledged.
/// State is per stream (label set).
/// </summary>
public sealed class MultilineStage(Regex firstLine, TimeSpan maxWait, int maxLines) : Stage("multiline")
{
    private sealed class Block(PipelineEntry first)
    {
        public readonly PipelineEntry First = first;
        public readonly StringBuilder Text = new(first.Line);
        public int Lines = 1;
        public long LastNs = TimeNs.Now();
    }

    private readonly Dictionary<string, Block> _blocks = new(StringComparer.Ordinal);

    public override void Process(PipelineEntry entry, Action<PipelineEntry> next)
    {
        var key = Key(entry);
        _blocks.TryGetValue(key, out var block);
        if (block != null && firstLine.IsMatch(entry.Line))
        {
            Emit(key, block, next);
            block = null;
        }
        if (block == null)
        {
            _blocks[key] = new Block(entry);
            if (maxLines <= 1)
                Emit(key, _blocks[key], next);
            return;
        }
        block.Text.Append('\n').Append(entry.Line);
        block.First.Tokens.AddRange(entry.Tokens);
        entry.Tokens.Clear();
        block.Lines++;
        block.LastNs = TimeNs.Now();
        if (block.Lines >= maxLines)
            Emit(key, block, next);
    }

    public override void Tick(long nowNs, Action<PipelineEntry> next)
    {
        if (_blocks.Count == 0)
            return;
        foreach (var (key, block) in _blocks.ToList())
            if (nowNs - block.LastNs >= maxWait.Ticks * 100)
                Emit(key, block, next);
    }

    public override void Flush(Action<PipelineEntry> next)
    {
        foreach (var (key, block) in _blocks.ToList())
            Emit(key, block, next);
    }

    private void Emit(string key, Block block, Action<PipelineEntry> next)
    {
        _blocks.Remove(key);
        block.First.Line = block.Text.ToString();
        next(block.First);
    }

    private static string Key(PipelineEntry e)
    {
        if (e.Labels.Count == 0)
            return "";
        var keys = e.Labels.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var k in keys)
            sb.Append(k).Append('=').Append(e.Labels[k]).Append('\u0001');
        return sb.ToString();
    }
}
