using System.Runtime.CompilerServices;
using System.Text;
using Sawmill.LogQL.Engine;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Syntax;

/// <summary>
/// The big parser table (testdata/parser_cases.txt): each case is a query line followed by
/// <c>=&gt; canonical text</c> (valid; the canonical text must parse to an equal AST) or <c>!! error text</c>
/// (the exact message). Set SAWMILL_REGEN_PARSER_TABLE=1 to rewrite the expectations from the current parser
/// (then review the diff by hand).
/// </summary>
public sealed class ParserTableTests
{
    private static string TablePath([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "testdata", "parser_cases.txt");

    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var (line, query, expected) in Read())
            data.Add(line, query, expected);
        return data;
    }

    internal static List<(int Line, string Query, string Expected)> Read()
    {
        var lines = File.ReadAllLines(TablePath());
        var result = new List<(int, string, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            if (l.Length == 0 || l.StartsWith("//", StringComparison.Ordinal))
                continue;
            if (l.StartsWith("=> ", StringComparison.Ordinal) || l.StartsWith("!! ", StringComparison.Ordinal))
                continue;
            var query = Unescape(l);
            var expected = i + 1 < lines.Length && (lines[i + 1].StartsWith("=> ", StringComparison.Ordinal) || lines[i + 1].StartsWith("!! ", StringComparison.Ordinal))
                ? lines[i + 1]
                : "";
            result.Add((i + 1, query, expected));
        }
        return result;
    }

    /// <summary>Queries are stored one per line; <c>\n</c> in the file stands for a newline in the query.</summary>
    private static string Unescape(string s) => s.Replace("\\n", "\n", StringComparison.Ordinal);

    internal static string Actual(string query)
    {
        try
        {
            var expr = LogQLParser.ParseExpr(query);
            return "=> " + expr;
        }
        catch (ParseException ex)
        {
            return "!! " + ex.Message;
        }
    }

    [Fact]
    public void Table_has_at_least_500_cases()
    {
        Assert.True(Read().Count >= 500, $"only {Read().Count} cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Query_parses_to_its_canonical_form_or_fails_with_Lokis_error(int line, string query, string expected)
    {
        _ = line;
        var actual = Actual(query);
        Assert.Equal(expected, actual);
        if (actual.StartsWith("=> ", StringComparison.Ordinal) && !PrintsUnparsable(actual))
        {
            // canonical text parses to an equal AST and is a fixed point of printing
            var canonical = actual[3..];
            var again = LogQLParser.ParseExpr(canonical);
            Assert.Equal(LogQLParser.ParseExpr(query), again);
            Assert.Equal(canonical, again.ToString());
        }
    }

    /// <summary>
    /// A literal that folded to NaN or ±Inf prints as Loki prints it (NaN, +Inf), which its parser refuses: Loki's
    /// query frontend fails on such a query for that reason, and so does Sawmill's HTTP API.
    /// </summary>
    internal static bool PrintsUnparsable(string actual) =>
        actual is "=> NaN" or "=> +Inf" or "=> -Inf";

    [Fact]
    public void Regenerate_table_when_asked()
    {
        if (Environment.GetEnvironmentVariable("SAWMILL_REGEN_PARSER_TABLE") != "1")
            return;
        var lines = File.ReadAllLines(TablePath());
        var sb = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            if (l.StartsWith("=> ", StringComparison.Ordinal) || l.StartsWith("!! ", StringComparison.Ordinal))
                continue;
            sb.Append(l).Append('\n');
            if (l.Length == 0 || l.StartsWith("//", StringComparison.Ordinal))
                continue;
            sb.Append(Actual(Unescape(l)).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        }
        File.WriteAllText(TablePath(), sb.ToString());
    }
}
