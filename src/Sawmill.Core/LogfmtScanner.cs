using System.Text;

namespace Sawmill.Core;

/// <summary>
/// Reads <c>key=value</c> pairs from a UTF-8 line with the rules of Loki's logfmt decoder: a key runs up to <c>=</c> or
/// a space, a bare key has no value, a value is bare (up to a space) or double-quoted with Go escapes. A malformed
/// pair (a quote in a key or a bare value, <c>=</c> without a key, an unterminated quote) ends the scan, as it ends
/// Loki's.
/// </summary>
public ref struct LogfmtScanner(ReadOnlySpan<byte> line)
{
    private readonly ReadOnlySpan<byte> _line = line;
    private int _pos;

    public ReadOnlySpan<byte> Key { get; private set; }

    /// <summary>The value as written (a quoted value without its quotes, escapes still in it).</summary>
    public ReadOnlySpan<byte> RawValue { get; private set; }

    public bool ValueQuoted { get; private set; }

    /// <summary>Advances to the next pair; false at the end of the line or at a malformed pair.</summary>
    public bool Next()
    {
        Key = default;
        RawValue = default;
        ValueQuoted = false;
        while (_pos < _line.Length && _line[_pos] <= ' ')
            _pos++;
        if (_pos >= _line.Length)
            return false;
        var start = _pos;
        while (_pos < _line.Length)
        {
            var c = _line[_pos];
            if (c == '=')
                break;
            if (c == '"')
                return false;
            if (c <= ' ')
            {
                Key = _line[start.._pos];
                return true;
            }
            _pos++;
        }
        Key = _line[start.._pos];
        if (_pos >= _line.Length)
            return true;
        if (Key.IsEmpty)
            return false;
        _pos++; // '='
        if (_pos >= _line.Length || _line[_pos] <= ' ')
            return true;
        if (_line[_pos] == '"')
        {
            var valueStart = ++_pos;
            var escaped = false;
            while (_pos < _line.Length)
            {
                var c = _line[_pos];
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    RawValue = _line[valueStart.._pos];
                    ValueQuoted = true;
                    _pos++;
                    return true;
                }
                _pos++;
            }
            return false;
        }
        var bareStart = _pos;
        while (_pos < _line.Length && _line[_pos] > ' ')
        {
            if (_line[_pos] is (byte)'=' or (byte)'"')
                return false;
            _pos++;
        }
        RawValue = _line[bareStart.._pos];
        return true;
    }

    /// <summary>The value as text, Go escapes of a quoted value resolved.</summary>
    public readonly string Value()
    {
        var raw = Encoding.UTF8.GetString(RawValue);
        if (!ValueQuoted || raw.IndexOf('\\', StringComparison.Ordinal) < 0)
            return raw;
        var sb = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = raw[++i];
            sb.Append(e switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => e,
            });
        }
        return sb.ToString();
    }
}
