using System.Buffers.Binary;

namespace Sawmill.Fuzz.Tests;

/// <summary>
/// Byte-level mutation of valid inputs, as libFuzzer's default mutators do without coverage: bit flips, interesting
/// bytes and integers, inserts, deletes, duplicated and spliced ranges, truncation, digit runs, and tokens from a
/// per-target dictionary (so text formats get plausible syntax, not only noise). Deterministic for a seed.
/// </summary>
internal sealed class Mutator(int seed, IReadOnlyList<byte[]> dictionary)
{
    private readonly Random _rng = new(seed);
    private static readonly byte[] InterestingBytes = [0, 1, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'\\', (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)':', (byte)',', (byte)'\n', (byte)'-', 0xC3, 0xE2, 0xF0];
    private static readonly uint[] InterestingInts = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 16, 64, 1024];

    public int Next(int max) => _rng.Next(max);

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> pool)
    {
        var data = new List<byte>(input);
        var ops = 1 + (_rng.Next(4) == 0 ? _rng.Next(8) : _rng.Next(2));
        for (var k = 0; k < ops; k++)
            Apply(data, pool);
        return [.. data];
    }

    private void Apply(List<byte> d, IReadOnlyList<byte[]> pool)
    {
        var op = _rng.Next(12);
        if (d.Count == 0 && op is not (3 or 6 or 10))
            op = 3;
        switch (op)
        {
            case 0: // flip a bit
                d[_rng.Next(d.Count)] ^= (byte)(1 << _rng.Next(8));
                break;
            case 1: // a random byte
                d[_rng.Next(d.Count)] = (byte)_rng.Next(256);
                break;
            case 2: // an interesting byte
                d[_rng.Next(d.Count)] = InterestingBytes[_rng.Next(InterestingBytes.Length)];
                break;
            case 3: // insert random bytes
            {
                var n = 1 + _rng.Next(8);
                var bytes = new byte[n];
                _rng.NextBytes(bytes);
                d.InsertRange(_rng.Next(d.Count + 1), bytes);
                break;
            }
            case 4: // delete a range
            {
                var at = _rng.Next(d.Count);
                d.RemoveRange(at, Math.Min(d.Count - at, 1 + _rng.Next(Math.Min(64, d.Count))));
                break;
            }
            case 5: // duplicate a range elsewhere
            {
                var at = _rng.Next(d.Count);
                var n = Math.Min(d.Count - at, 1 + _rng.Next(64));
                d.InsertRange(_rng.Next(d.Count + 1), d.GetRange(at, n));
                break;
            }
            case 6: // splice in part of another input
            {
                if (pool.Count == 0)
                    break;
                var other = pool[_rng.Next(pool.Count)];
                if (other.Length == 0)
                    break;
                var at = _rng.Next(other.Length);
                var n = Math.Min(other.Length - at, 1 + _rng.Next(256));
                d.InsertRange(_rng.Next(d.Count + 1), other.AsSpan(at, n).ToArray());
                break;
            }
            case 7: // truncate
            {
                var keep = _rng.Next(d.Count);
                d.RemoveRange(keep, d.Count - keep);
                break;
            }
            case 8: // an interesting 32-bit integer, little or big endian
            {
                if (d.Count < 4)
                    break;
                var at = _rng.Next(d.Count - 3);
                Span<byte> b = stackalloc byte[4];
                var v = InterestingInts[_rng.Next(InterestingInts.Length)];
                if (_rng.Next(2) == 0)
                    BinaryPrimitives.WriteUInt32LittleEndian(b, v);
                else
                    BinaryPrimitives.WriteUInt32BigEndian(b, v);
                for (var i = 0; i < 4; i++)
                    d[at + i] = b[i];
                break;
            }
            case 9: // grow or shrink a varint-looking byte
            {
                var at = _rng.Next(d.Count);
                d[at] = (byte)(d[at] < 0x80 ? d[at] | 0x80 : d[at] & 0x7F);
                break;
            }
            case 10: // a dictionary token, inserted or overwriting
            {
                if (dictionary.Count == 0)
                    goto case 3;
                var token = dictionary[_rng.Next(dictionary.Count)];
                var at = _rng.Next(d.Count + 1);
                if (_rng.Next(2) == 0 || at + token.Length > d.Count)
                    d.InsertRange(at, token);
                else
                    for (var i = 0; i < token.Length; i++)
                        d[at + i] = token[i];
                break;
            }
            default: // rewrite a run of digits as an extreme number
            {
                var at = d.FindIndex(_rng.Next(d.Count), b => b is >= (byte)'0' and <= (byte)'9');
                if (at < 0)
                    break;
                var end = at;
                while (end < d.Count && d[end] is >= (byte)'0' and <= (byte)'9')
                    end++;
                string[] numbers = ["0", "-1", "99999999999999999999999", "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "0.0000001", "4294967296"];
                d.RemoveRange(at, end - at);
                d.InsertRange(at, System.Text.Encoding.ASCII.GetBytes(numbers[_rng.Next(numbers.Length)]));
                break;
            }
        }
    }
}
