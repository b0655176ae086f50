using System.Text;
using Sawmill.Storage.Chunks;

namespace Sawmill.Storage.Tests.Chunks;

public sealed class TokenKeysTests
{
    private static KeySet KeysOf(string line)
    {
        var set = new KeySet();
        TokenKeys.AddLine(Encoding.UTF8.GetBytes(line), set);
        return set;
    }

    private static bool Satisfied(List<ulong[]> needle, KeySet keys)
    {
        if (needle.Count == 0)
            return true;
        var present = new HashSet<ulong>(keys.Keys);
        return needle.Any(alternative => alternative.All(present.Contains));
    }

    [Fact]
    public void Tokens_are_runs_of_word_bytes_cut_into_8_byte_pieces()
    {
        var keys = KeysOf("GET /api 200 request_id=550e8400-e29b-41d4-a716-446655440000 größe");
        var expected = new[] { "request_", "quest_id", "550e8400", "44665544", "55440000", "größe" }
            .Select(s => TokenKeys.Pack(Encoding.UTF8.GetBytes(s)));
        Assert.Equal(expected.Order(), keys.Keys.Order());
    }

    [Fact]
    public void Markers_say_a_line_is_a_json_object_or_holds_a_backslash()
    {
        Assert.Contains(TokenKeys.JsonObjectMarker, KeysOf(" \t{\"a\":1}").Keys);
        Assert.DoesNotContain(TokenKeys.JsonObjectMarker, KeysOf("x {\"a\":1}").Keys);
        Assert.DoesNotContain(TokenKeys.JsonObjectMarker, KeysOf("\f{\"a\":1}").Keys);
        Assert.Contains(TokenKeys.BackslashMarker, KeysOf("a=\"b\\\"c\"").Keys);
        Assert.DoesNotContain(TokenKeys.BackslashMarker, KeysOf("a=b").Keys);
    }

    [Fact]
    public void A_uuid_search_checks_the_end_of_its_first_group_and_the_start_of_its_last()
    {
        var needle = TokenKeys.Needle("550e8400-e29b-41d4-a716-446655440000"u8, bounded: false);
        var single = Assert.Single(needle);
        Assert.Equal(new[] { TokenKeys.Pack("550e8400"u8), TokenKeys.Pack("44665544"u8) }, single);
        var bounded = Assert.Single(TokenKeys.Needle("550e8400-e29b-41d4-a716-446655440000"u8, bounded: true));
        Assert.Equal(3, bounded.Length);
        // One token at an unknown offset: 8 alignments of its piece grid.
        Assert.Equal(8, TokenKeys.Needle("4bf92f3577b34da6a3ce929d0e0e4736"u8, bounded: false).Count);
        Assert.Empty(TokenKeys.Needle("4bf92f3577b34d"u8, bounded: false));
        Assert.Empty(TokenKeys.Needle("error"u8, bounded: false));
        Assert.Single(TokenKeys.Needle("error"u8, bounded: true));
    }

    private static readonly string[] Parts =
    [
        "a", "ab", "abcd", "error", "request", "requests", "reconciliation", "550e8400", "e29b", "446655440000",
        "4bf92f3577b34da6a3ce929d0e0e4736", "größenordnung", "12345678901", "x_y_z",
    ];

    private static readonly string[] Separators = [" ", "-", "=", "\"", ".", ":", "/", ", ", "{", "}"];

    private static string RandomLine(Random rnd)
    {
        var sb = new StringBuilder();
        var n = rnd.Next(1, 12);
        for (var i = 0; i < n; i++)
        {
            if (i > 0 || rnd.Next(3) == 0)
                sb.Append(Separators[rnd.Next(Separators.Length)]);
            // Tokens glued together make longer ones with pieces at other offsets.
            sb.Append(Parts[rnd.Next(Parts.Length)]);
            if (rnd.Next(4) == 0)
                sb.Append(Parts[rnd.Next(Parts.Length)]);
        }
        return sb.ToString();
    }

    [Fact]
    public void Every_substring_of_a_line_passes_the_keys_of_that_line()
    {
        var rnd = new Random(11);
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var line = RandomLine(rnd);
            var keys = KeysOf(line);
            var bytes = Encoding.UTF8.GetBytes(line);
            for (var k = 0; k < 20; k++)
            {
                var from = rnd.Next(bytes.Length);
                var to = rnd.Next(from, bytes.Length + 1);
                var text = bytes.AsSpan(from, to - from);
                Assert.True(Satisfied(TokenKeys.Needle(text, bounded: false), keys), $"\"{Encoding.UTF8.GetString(text)}\" in \"{line}\"");
            }
        }
    }

    [Fact]
    public void Every_value_standing_between_separators_passes_as_a_bounded_text()
    {
        var rnd = new Random(12);
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var line = RandomLine(rnd);
            var keys = KeysOf(line);
            var bytes = Encoding.UTF8.GetBytes(line);
            for (var from = 0; from < bytes.Length; from++)
            {
                if (from > 0 && TokenKeys.IsWordByte(bytes[from - 1]) && TokenKeys.IsWordByte(bytes[from]))
                    continue;
                for (var to = from + 1; to <= bytes.Length; to++)
                {
                    if (to < bytes.Length && TokenKeys.IsWordByte(bytes[to - 1]) && TokenKeys.IsWordByte(bytes[to]))
                        continue;
                    var text = bytes.AsSpan(from, to - from);
                    Assert.True(Satisfied(TokenKeys.Needle(text, bounded: true), keys), $"\"{Encoding.UTF8.GetString(text)}\" in \"{line}\"");
                }
            }
        }
    }

    [Fact]
    public void Absent_ids_are_told_apart()
    {
        var keys = KeysOf("{\"request_id\":\"550e8400-e29b-41d4-a716-446655440000\",\"trace\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}");
        Assert.False(Satisfied(TokenKeys.Needle("550e8400-e29b-41d4-a716-446655540000"u8, bounded: false), keys));
        // The last group's bytes after its first 8 are no piece the search can place (the line's group may go on).
        Assert.True(Satisfied(TokenKeys.Needle("550e8400-e29b-41d4-a716-446655440001"u8, bounded: false), keys));
        Assert.False(Satisfied(TokenKeys.Needle("550e8400-e29b-41d4-a716-446655440001"u8, bounded: true), keys));
        Assert.False(Satisfied(TokenKeys.Needle("650e8400-e29b-41d4-a716-446655440000"u8, bounded: false), keys));
        Assert.False(Satisfied(TokenKeys.Needle("4bf92f3577b34da6a3ce929d0e0e4737"u8, bounded: false), keys));
        Assert.True(Satisfied(TokenKeys.Needle("f3577b34da6a3ce929d0e"u8, bounded: false), keys));
        // A change in the last bytes past the final full piece cannot be seen; one inside a piece can.
        Assert.True(Satisfied(TokenKeys.Needle("f3577b34da6a3ce929d0f"u8, bounded: false), keys));
        Assert.False(Satisfied(TokenKeys.Needle("f3577c34da6a3ce929d0e"u8, bounded: false), keys));
    }
}
