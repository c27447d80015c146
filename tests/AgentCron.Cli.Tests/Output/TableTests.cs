using AgentCron.Cli.Output;

namespace AgentCron.Cli.Tests.Output;

public sealed class TableTests
{
    [Fact]
    public void ToString_AlignsColumns_WithTwoSpaces()
    {
        var table = new Table("ID", "NAME", "STATUS").Add("t_1", "Check the deploy", "active").Add("t_22", "x", null);

        Assert.Equal(
            """
            ID    NAME              STATUS
            t_1   Check the deploy  active
            t_22  x                 -

            """.ReplaceLineEndings("\n"),
            table.ToString());
    }

    [Fact]
    public void Cell_FlattensAndCuts_WhenMultilineOrLong()
    {
        Assert.Equal("line one line two", Table.Cell("line one\nline two\n", 60));
        Assert.Equal("abcd…", Table.Cell("abcdefghij", 5));
    }
}
