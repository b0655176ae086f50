using FsCheck.Xunit;
using Sawmill.LogQL.Syntax;

namespace Sawmill.LogQL.Tests.Syntax;

public sealed class RoundTripPropertyTests
{
    [Property(MaxTest = 2000)]
    public bool Printed_ast_parses_back_to_an_equal_ast(int seed)
    {
        var ast = new RandomAst(seed).Expr();
        var text = ast.ToString();
        Expr parsed;
        try
        {
            parsed = LogQLParser.ParseExpr(text);
        }
        catch (Sawmill.LogQL.Syntax.ParseException ex)
        {
            throw new Xunit.Sdk.XunitException($"seed {seed}: {text}\n{ex.Message}");
        }
        if (!parsed.Equals(ast))
            throw new Xunit.Sdk.XunitException($"seed {seed}: {text}\nreparsed: {parsed}");
        return parsed.ToString() == text;
    }

    [Fact]
    public void Printing_is_a_fixed_point_on_the_table()
    {
        foreach (var (_, query, expected) in ParserTableTests.Read())
        {
            if (!expected.StartsWith("=> ", StringComparison.Ordinal))
                continue;
            var once = LogQLParser.ParseExpr(query).ToString();
            Assert.Equal(once, LogQLParser.ParseExpr(once).ToString());
        }
    }
}
