using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sawmill.GoCompat;

/// <summary>
/// Reads a pattern as Go's regexp/syntax does (Perl flags, as <c>regexp.Compile</c>), refusing what Go refuses with
/// Go's error (<c>error parsing regexp: missing closing ): `(`</c>, the same code and the same quoted part), and
/// writes the equivalent .NET pattern with RE2's meaning where .NET's differs: <c>\d \w \s</c> and POSIX classes
/// are ASCII, <c>$</c> without <c>(?m)</c> is the end of the text only, <c>(?U)</c> swaps greedy and lazy, every
/// capture group is named so that .NET numbers groups left to right as Go does. Not reproduced: <c>\b</c> uses
/// .NET's Unicode word characters, Unicode scripts (<c>\p{Greek}</c>) become .NET blocks, and a character outside
/// the Basic Multilingual Plane counts as two characters for <c>.</c> and classes.
/// </summary>
internal sealed class GoRegexpSyntax
{
    /// <summary>Prefix of the names given to Go's unnamed groups (see <see cref="Re2.GroupNames"/>).</summary>
    internal const string UnnamedPrefix = "__re2_";

    [Flags]
    private enum GoFlags
    {
        None = 0,
        FoldCase = 1,
        OneLine = 2,
        DotNL = 4,
        NonGreedy = 8,
    }

    private enum Last { Nothing, Operand }

    private readonly string _whole;
    private readonly StringBuilder _out = new();
    private readonly Stack<(GoFlags Flags, bool Capture)> _groups = new();
    private GoFlags _flags = GoFlags.OneLine;
    private int _captures;
    private Last _last = Last.Nothing;
    private int _depth;

    private GoRegexpSyntax(string pattern) => _whole = pattern;

    /// <summary>The .NET pattern for Go <paramref name="pattern"/>; <see cref="ArgumentException"/> with Go's text.</summary>
    public static string ToDotNet(string pattern) => new GoRegexpSyntax(pattern).Run();

    private static ArgumentException Error(string code, string expr) => new($"error parsing regexp: {code}: `{expr}`");

    private string Run()
    {
        var t = 0;
        var s = _whole;
        var lastRepeatStart = -1;
        while (t < s.Length)
        {
            var repeatStart = -1;
            var c = s[t];
            switch (c)
            {
                case '(':
                    if (t + 1 < s.Length && s[t + 1] == '?')
                    {
                        t = ParsePerlFlags(t);
                        break;
                    }
                    if (++_depth > 1000)
                        throw Error("expression nests too deeply", _whole);
                    _captures++;
                    _groups.Push((_flags, true));
                    _out.Append("(?<").Append(UnnamedPrefix).Append(_captures.ToString(CultureInfo.InvariantCulture)).Append('>');
                    _last = Last.Nothing;
                    t++;
                    break;
                case '|':
                    _out.Append('|');
                    _last = Last.Nothing;
                    t++;
                    break;
                case ')':
                    if (_groups.Count == 0)
                        throw Error("unexpected )", _whole);
                    _flags = _groups.Pop().Flags;
                    _depth--;
                    _out.Append(')');
                    _last = Last.Operand;
                    t++;
                    break;
                case '^':
                    _out.Append((_flags & GoFlags.OneLine) != 0 ? @"\A" : "(?m:^)");
                    _last = Last.Operand;
                    t++;
                    break;
                case '$':
                    _out.Append((_flags & GoFlags.OneLine) != 0 ? @"\z" : "(?m:$)");
                    _last = Last.Operand;
                    t++;
                    break;
                case '.':
                    _out.Append((_flags & GoFlags.DotNL) != 0 ? @"[\s\S]" : @"[^\n]");
                    _last = Last.Operand;
                    t++;
                    break;
                case '[':
                    t = ParseClass(t);
                    _last = Last.Operand;
                    break;
                case '*' or '+' or '?':
                {
                    var before = t;
                    var after = t + 1;
                    after = Repeat(before, after, lastRepeatStart, c.ToString());
                    repeatStart = before;
                    t = after;
                    break;
                }
                case '{':
                {
                    var before = t;
                    if (!TryParseRepeat(t, out var min, out var max, out var after))
                    {
                        Literal('{');
                        t++;
                        break;
                    }
                    if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max))
                        throw Error("invalid repeat count", s[before..after]);
                    var quantifier = max == min ? $"{{{min}}}" : max < 0 ? $"{{{min},}}" : $"{{{min},{max}}}";
                    after = Repeat(before, after, lastRepeatStart, quantifier);
                    repeatStart = before;
                    t = after;
                    break;
                }
                case '\\':
                    t = ParseBackslash(t);
                    break;
                default:
                {
                    var r = NextRune(t, out var next);
                    Literal(r);
                    t = next;
                    break;
                }
            }
            lastRepeatStart = repeatStart;
        }
        if (_groups.Count > 0)
            throw Error("missing closing )", _whole);
        return _out.ToString();
    }

    /// <summary>
    /// A repetition operator at <paramref name="before"/> whose text ends at <paramref name="after"/>; a following
    /// '?' makes it lazy. Go refuses two operators in a row and an operator with nothing before it.
    /// </summary>
    private int Repeat(int before, int after, int lastRepeatStart, string quantifier)
    {
        var lazy = false;
        if (after < _whole.Length && _whole[after] == '?')
        {
            after++;
            lazy = true;
        }
        if (lastRepeatStart >= 0)
            throw Error("invalid nested repetition operator", _whole[lastRepeatStart..after]);
        if (_last == Last.Nothing)
            throw Error("missing argument to repetition operator", _whole[before..after]);
        if ((_flags & GoFlags.NonGreedy) != 0)
            lazy = !lazy;
        _out.Append(quantifier);
        if (lazy)
            _out.Append('?');
        return after;
    }

    /// <summary>Go's parseRepeat: <c>{n}</c>, <c>{n,}</c>, <c>{n,m}</c>; a number too large reads as -1.</summary>
    private bool TryParseRepeat(int t, out int min, out int max, out int after)
    {
        var s = _whole;
        min = max = 0;
        after = t;
        var i = t + 1;
        if (!TryParseInt(ref i, out min) || i >= s.Length)
            return false;
        if (s[i] != ',')
        {
            max = min;
        }
        else
        {
            i++;
            if (i >= s.Length)
                return false;
            if (s[i] == '}')
                max = -1;
            else if (!TryParseInt(ref i, out max))
                return false;
            else if (max < 0)
                min = -1;
        }
        if (i >= s.Length || s[i] != '}')
            return false;
        after = i + 1;
        return true;
    }

    private bool TryParseInt(ref int i, out int value)
    {
        var s = _whole;
        value = 0;
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
            i++;
        if (i == start)
            return false;
        // Go disallows leading zeros.
        if (i - start >= 2 && s[start] == '0')
            return false;
        if (i - start > 8)
        {
            value = -1;
            return true;
        }
        value = int.Parse(s.AsSpan(start, i - start), CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary><c>(?…</c>: a named group, or flags with or without a group (Go's parsePerlFlags).</summary>
    private int ParsePerlFlags(int start)
    {
        var s = _whole;
        var t = start;
        // (?P<name>expr) and, since Go 1.22 (the Go of Loki 3), (?<name>expr).
        if ((s.Length - t > 4 && s[t + 2] == 'P' && s[t + 3] == '<') || (s.Length - t > 3 && s[t + 2] == '<'))
        {
            var begin = s[t + 2] == 'P' ? t + 4 : t + 3;
            var end = s.IndexOf('>', t);
            if (end < 0)
                throw Error("invalid named capture", s[start..]);
            var capture = s[t..(end + 1)];
            var name = s[begin..end];
            if (name.Length == 0 || !name.All(ch => ch == '_' || char.IsAsciiLetterOrDigit(ch)))
                throw Error("invalid named capture", capture);
            if (++_depth > 1000)
                throw Error("expression nests too deeply", _whole);
            _captures++;
            _groups.Push((_flags, true));
            // .NET reads a name starting with a digit as a group number.
            var netName = char.IsAsciiDigit(name[0]) ? UnnamedPrefix + _captures.ToString(CultureInfo.InvariantCulture) : name;
            _out.Append("(?<").Append(netName).Append('>');
            _last = Last.Nothing;
            return end + 1;
        }
        t += 2;
        var flags = _flags;
        var negate = false;
        var sawFlag = false;
        while (t < s.Length)
        {
            var c = s[t++];
            GoFlags bit;
            switch (c)
            {
                case 'i': bit = GoFlags.FoldCase; break;
                case 'm': bit = GoFlags.OneLine; break;
                case 's': bit = GoFlags.DotNL; break;
                case 'U': bit = GoFlags.NonGreedy; break;
                case '-':
                    if (negate)
                        throw Error("invalid or unsupported Perl syntax", s[start..t]);
                    negate = true;
                    sawFlag = false;
                    continue;
                case ':' or ')':
                    if (negate && !sawFlag)
                        throw Error("invalid or unsupported Perl syntax", s[start..t]);
                    if (c == ':')
                    {
                        if (++_depth > 1000)
                            throw Error("expression nests too deeply", _whole);
                        _groups.Push((_flags, false));
                        _out.Append("(?:");
                        _last = Last.Nothing;
                    }
                    _flags = flags;
                    // Case folding is .NET's own inline option; the others are rewritten where they matter.
                    _out.Append((flags & GoFlags.FoldCase) != 0 ? "(?i)" : "(?-i)");
                    return t;
                default:
                    throw Error("invalid or unsupported Perl syntax", s[start..t]);
            }
            sawFlag = true;
            // 'm' clears OneLine; the others set their bit (and the reverse after '-').
            var set = bit == GoFlags.OneLine ? negate : !negate;
            flags = set ? flags | bit : flags & ~bit;
        }
        throw Error("invalid or unsupported Perl syntax", s[start..t]);
    }

    private int ParseBackslash(int t)
    {
        var s = _whole;
        if (t + 1 < s.Length)
        {
            switch (s[t + 1])
            {
                case 'A':
                    _out.Append(@"\A");
                    _last = Last.Operand;
                    return t + 2;
                case 'b':
                    _out.Append(@"\b");
                    _last = Last.Operand;
                    return t + 2;
                case 'B':
                    _out.Append(@"\B");
                    _last = Last.Operand;
                    return t + 2;
                case 'C':
                    throw Error("invalid escape sequence", s[t..(t + 2)]);
                case 'Q':
                {
                    var end = s.IndexOf(@"\E", t + 2, StringComparison.Ordinal);
                    var lit = end < 0 ? s[(t + 2)..] : s[(t + 2)..end];
                    for (var i = 0; i < lit.Length;)
                    {
                        var r = Rune.GetRuneAt(lit, i);
                        Literal(r.Value);
                        i += r.Utf16SequenceLength;
                    }
                    return end < 0 ? s.Length : end + 2;
                }
                case 'z':
                    _out.Append(@"\z");
                    _last = Last.Operand;
                    return t + 2;
                case 'p' or 'P':
                {
                    var cls = new ClassBuilder();
                    var next = ParseUnicodeClass(t, cls);
                    _out.Append(cls.ToDotNet(negated: false));
                    _last = Last.Operand;
                    return next;
                }
            }
            if (PerlClass(s[t + 1]) is { } perl)
            {
                var cls = new ClassBuilder();
                cls.AddGroup(perl.Ranges, perl.Negated);
                _out.Append(cls.ToDotNet(negated: false));
                _last = Last.Operand;
                return t + 2;
            }
        }
        var rune = ParseEscape(t, out var rest);
        Literal(rune);
        return rest;
    }

    /// <summary>Go's parseEscape: the escaped rune, or Go's error for the escape.</summary>
    private int ParseEscape(int t, out int rest)
    {
        var s = _whole;
        var i = t + 1;
        if (i >= s.Length)
            throw new ArgumentException("error parsing regexp: trailing backslash at end of expression: ``");
        var c = NextRune(i, out i);
        switch (c)
        {
            case >= '1' and <= '7' when i < s.Length && s[i] is >= '0' and <= '7':
            case '0':
            {
                var r = c - '0';
                for (var k = 1; k < 3 && i < s.Length && s[i] is >= '0' and <= '7'; k++)
                    r = r * 8 + (s[i++] - '0');
                rest = i;
                return r;
            }
            case 'x':
            {
                if (i >= s.Length)
                    break;
                var d = NextRune(i, out i);
                if (d == '{')
                {
                    var n = 0;
                    var r = 0;
                    while (true)
                    {
                        if (i >= s.Length)
                            throw Error("invalid escape sequence", s[t..i]);
                        var h = NextRune(i, out i);
                        if (h == '}')
                            break;
                        var v = Unhex(h);
                        if (v < 0)
                            throw Error("invalid escape sequence", s[t..i]);
                        r = r * 16 + v;
                        if (r > 0x10FFFF)
                            throw Error("invalid escape sequence", s[t..i]);
                        n++;
                    }
                    if (n == 0)
                        throw Error("invalid escape sequence", s[t..i]);
                    rest = i;
                    return r;
                }
                if (i >= s.Length)
                    throw Error("invalid escape sequence", s[t..i]);
                var e = NextRune(i, out i);
                var x = Unhex(d);
                var y = Unhex(e);
                if (x < 0 || y < 0)
                    break;
                rest = i;
                return x * 16 + y;
            }
            case 'a': rest = i; return '\a';
            case 'f': rest = i; return '\f';
            case 'n': rest = i; return '\n';
            case 'r': rest = i; return '\r';
            case 't': rest = i; return '\t';
            case 'v': rest = i; return '\v';
            default:
                // An escaped punctuation character is itself; an escaped letter or digit Go does not know is an error.
                if (c < 0x80 && !char.IsAsciiLetterOrDigit((char)c))
                {
                    rest = i;
                    return c;
                }
                break;
        }
        throw Error("invalid escape sequence", s[t..i]);
    }

    private int ParseClass(int start)
    {
        var s = _whole;
        var t = start + 1;
        var cls = new ClassBuilder();
        var negated = false;
        if (t < s.Length && s[t] == '^')
        {
            negated = true;
            t++;
        }
        var first = true;
        while (t >= s.Length || s[t] != ']' || first)
        {
            first = false;
            if (t >= s.Length)
                throw Error("missing closing ]", s[start..]);
            // POSIX [:alnum:]
            if (s.Length - t > 2 && s[t] == '[' && s[t + 1] == ':')
            {
                var close = s.IndexOf(":]", t + 2, StringComparison.Ordinal);
                if (close >= 0)
                {
                    var name = s[t..(close + 2)];
                    var posix = Posix(name) ?? throw Error("invalid character class range", name);
                    cls.AddGroup(posix.Ranges, posix.Negated);
                    t = close + 2;
                    continue;
                }
            }
            if (s.Length - t >= 2 && s[t] == '\\' && s[t + 1] is 'p' or 'P')
            {
                t = ParseUnicodeClass(t, cls);
                continue;
            }
            if (s.Length - t >= 2 && s[t] == '\\' && PerlClass(s[t + 1]) is { } perl)
            {
                cls.AddGroup(perl.Ranges, perl.Negated);
                t += 2;
                continue;
            }
            var rangeStart = t;
            var lo = ClassChar(ref t, start);
            var hi = lo;
            if (s.Length - t >= 2 && s[t] == '-' && s[t + 1] != ']')
            {
                t++;
                hi = ClassChar(ref t, start);
                if (hi < lo)
                    throw Error("invalid character class range", s[rangeStart..t]);
            }
            cls.AddRange(lo, hi);
        }
        _out.Append(cls.ToDotNet(negated));
        return t + 1;
    }

    private int ClassChar(ref int t, int classStart)
    {
        var s = _whole;
        if (t >= s.Length)
            throw Error("missing closing ]", s[classStart..]);
        if (s[t] == '\\')
            return ParseEscape(t, out t);
        return NextRune(t, out t);
    }

    private int ParseUnicodeClass(int t, ClassBuilder cls)
    {
        var s = _whole;
        var negated = s[t + 1] == 'P';
        var i = t + 2;
        if (i >= s.Length)
            throw Error("invalid escape sequence", s[t..]);
        string seq, name;
        var c = NextRune(i, out var afterName);
        if (c != '{')
        {
            seq = s[t..afterName];
            name = s[(t + 2)..afterName];
        }
        else
        {
            var end = s.IndexOf('}', t);
            if (end < 0)
                throw Error("invalid character class range", s[t..]);
            seq = s[t..(end + 1)];
            name = s[(t + 3)..end];
            afterName = end + 1;
        }
        if (name.Length > 0 && name[0] == '^')
        {
            negated = !negated;
            name = name[1..];
        }
        var net = UnicodeClass(name) ?? throw Error("invalid character class range", seq);
        cls.AddUnicode(net, negated);
        return afterName;
    }

    private void Literal(int rune)
    {
        var text = char.ConvertFromUtf32(rune);
        if (text.Length == 2)
            _out.Append("(?:").Append(text).Append(')');
        else
            _out.Append(Regex.Escape(text).Replace("]", @"\]", StringComparison.Ordinal).Replace("}", @"\}", StringComparison.Ordinal));
        _last = Last.Operand;
    }

    private int NextRune(int i, out int next)
    {
        var s = _whole;
        if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            next = i + 2;
            return char.ConvertToUtf32(s[i], s[i + 1]);
        }
        next = i + 1;
        return s[i];
    }

    private static int Unhex(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private sealed record AsciiGroup((int Lo, int Hi)[] Ranges, bool Negated);

    private static readonly (int, int)[] Digits = [('0', '9')];
    private static readonly (int, int)[] Space = [('\t', '\n'), ('\f', '\r'), (' ', ' ')];
    private static readonly (int, int)[] Word = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

    private static AsciiGroup? PerlClass(char c) => c switch
    {
        'd' => new(Digits, false),
        'D' => new(Digits, true),
        's' => new(Space, false),
        'S' => new(Space, true),
        'w' => new(Word, false),
        'W' => new(Word, true),
        _ => null,
    };

    private static AsciiGroup? Posix(string name)
    {
        var negated = name.StartsWith("[:^", StringComparison.Ordinal);
        var bare = negated ? "[:" + name[3..] : name;
        (int, int)[]? ranges = bare switch
        {
            "[:alnum:]" => [('0', '9'), ('A', 'Z'), ('a', 'z')],
            "[:alpha:]" => [('A', 'Z'), ('a', 'z')],
            "[:ascii:]" => [(0, 0x7F)],
            "[:blank:]" => [('\t', '\t'), (' ', ' ')],
            "[:cntrl:]" => [(0, 0x1F), (0x7F, 0x7F)],
            "[:digit:]" => [('0', '9')],
            "[:graph:]" => [('!', '~')],
            "[:lower:]" => [('a', 'z')],
            "[:print:]" => [(' ', '~')],
            "[:punct:]" => [('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
            "[:space:]" => [('\t', '\r'), (' ', ' ')],
            "[:upper:]" => [('A', 'Z')],
            "[:word:]" => [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
            "[:xdigit:]" => [('0', '9'), ('A', 'F'), ('a', 'f')],
            _ => null,
        };
        return ranges == null ? null : new AsciiGroup(ranges, negated);
    }

    private static readonly HashSet<string> Categories = new(StringComparer.Ordinal)
    {
        "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl", "No",
        "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
    };

    /// <summary>Go's Unicode script names (the scripts of Unicode 15, as in the Go that builds Loki 3).</summary>
    private static readonly HashSet<string> Scripts = new(StringComparer.Ordinal)
    {
        "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Bassa_Vah",
        "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal",
        "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform",
        "Cypriot", "Cypro_Minoan", "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
        "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha",
        "Greek", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran",
        "Hebrew", "Hiragana", "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian",
        "Javanese", "Kaithi", "Kannada", "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer",
        "Khojki", "Khudawadi", "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian",
        "Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
        "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro",
        "Multani", "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu",
        "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian",
        "Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur", "Oriya", "Osage",
        "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang",
        "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian",
        "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham",
        "Tai_Viet", "Takri", "Tamil", "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta",
        "Toto", "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
    };

    /// <summary>.NET class text for a Go Unicode class name (without brackets), or null when Go does not know it.</summary>
    private static string? UnicodeClass(string name)
    {
        if (name == "Any")
            return @"\s\S";
        if (Categories.Contains(name))
            return $@"\p{{{name}}}";
        if (!Scripts.Contains(name))
            return null;
        // .NET has Unicode blocks, not scripts: the block of the same name where there is one.
        var block = name switch
        {
            "Han" => "IsCJKUnifiedIdeographs",
            "Latin" => null,
            "Hangul" => "IsHangulSyllables",
            _ => "Is" + name.Replace("_", "", StringComparison.Ordinal),
        };
        if (block == null)
            return @"A-Za-z\u00AA\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF";
        try
        {
            _ = new Regex($@"\p{{{block}}}");
            return $@"\p{{{block}}}";
        }
        catch (ArgumentException)
        {
            return @"\p{L}";
        }
    }

    /// <summary>A character class being read: code-point ranges plus .NET Unicode class texts.</summary>
    private sealed class ClassBuilder
    {
        private readonly List<(int Lo, int Hi)> _ranges = [];
        private readonly List<string> _unicode = [];
        private readonly List<string> _negatedUnicode = [];

        public void AddRange(int lo, int hi) => _ranges.Add((lo, hi));

        public void AddGroup((int Lo, int Hi)[] ranges, bool negated)
        {
            if (!negated)
            {
                _ranges.AddRange(ranges);
                return;
            }
            var next = 0;
            foreach (var (lo, hi) in ranges.OrderBy(r => r.Lo))
            {
                if (lo > next)
                    _ranges.Add((next, lo - 1));
                next = Math.Max(next, hi + 1);
            }
            if (next <= 0x10FFFF)
                _ranges.Add((next, 0x10FFFF));
        }

        public void AddUnicode(string netClass, bool negated)
        {
            if (netClass == @"\s\S")
            {
                if (!negated)
                    _ranges.Add((0, 0x10FFFF));
                return;
            }
            (negated ? _negatedUnicode : _unicode).Add(netClass);
        }

        public string ToDotNet(bool negated)
        {
            var body = new StringBuilder();
            foreach (var (lo, hi) in _ranges)
            {
                // .NET classes hold UTF-16 units: a range beyond the BMP stands as the surrogates.
                var l = Math.Min(lo, 0xFFFF);
                var h = Math.Min(hi, 0xFFFF);
                if (lo > 0xFFFF)
                {
                    body.Append(@"\uD800-\uDFFF");
                    continue;
                }
                body.Append(Escape(l));
                if (h > l)
                    body.Append('-').Append(Escape(h));
                if (hi > 0xFFFF)
                    body.Append(@"\uD800-\uDFFF");
            }
            foreach (var u in _unicode)
                body.Append(u);
            foreach (var u in _negatedUnicode)
                body.Append(u.Replace(@"\p{", @"\P{", StringComparison.Ordinal));
            if (body.Length == 0)
                return negated ? @"[\s\S]" : @"[^\s\S]";
            return (negated ? "[^" : "[") + body + "]";
        }

        private static string Escape(int c) => c switch
        {
            '\\' or ']' or '[' or '^' or '-' => "\\" + (char)c,
            < 0x20 or 0x7F => $@"\u{c:X4}",
            _ => ((char)c).ToString(),
        };
    }
}
