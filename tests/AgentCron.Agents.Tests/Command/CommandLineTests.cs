using AgentCron.Agents.Command;
using AgentCron.Core;

namespace AgentCron.Agents.Tests.Command;

public class CommandLineTests
{
    public static TheoryData<string, string[]> Lines => new()
    {
        { "echo", ["echo"] },
        { "  ./check-deploy.sh   --env\tprod  ", ["./check-deploy.sh", "--env", "prod"] },
        { "sh -c 'echo $HOME; exit 1'", ["sh", "-c", "echo $HOME; exit 1"] },
        { "printf \"a \\\"b\\\" \\\\ \\$x \\n\"", ["printf", "a \"b\" \\ $x \\n"] },
        { "echo 'it'\\''s'", ["echo", "it's"] },
        { "echo a\\ b c", ["echo", "a b", "c"] },
        { "echo ''", ["echo", ""] },
        { "echo \"\" x", ["echo", "", "x"] },
        { "pre'fix'\"ed\"", ["prefixed"] },
        { "echo *.txt > out | cat", ["echo", "*.txt", ">", "out", "|", "cat"] },
        { "echo 'single \"keeps\" \\ everything'", ["echo", "single \"keeps\" \\ everything"] },
        { "a\nb\r\nc", ["a", "b", "c"] },
        { "trailing\\", ["trailing\\"] },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Split_ReturnsArgv_LikeAShellWithoutExpansion(string line, string[] expected)
    {
        Assert.Equal(expected, CommandLine.Split(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Split_ThrowsOnAgentCommand_WhenEmpty(string line)
    {
        var error = Assert.Throws<InvalidFieldException>(() => CommandLine.Split(line));
        Assert.Equal("agent.command", error.Field);
        Assert.Contains("empty", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo 'unclosed", "single quote")]
    [InlineData("echo \"unclosed", "double quote")]
    [InlineData("echo \"escaped close\\\"", "double quote")]
    public void Split_ThrowsOnAgentCommand_WhenQuoteIsUnbalanced(string line, string what)
    {
        var error = Assert.Throws<InvalidFieldException>(() => CommandLine.Split(line));
        Assert.Equal("agent.command", error.Field);
        Assert.Contains($"unclosed {what}", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_NamesGivenField_WhenFieldIsPassed()
    {
        Assert.Equal("command", Assert.Throws<InvalidFieldException>(() => CommandLine.Split("'", "command")).Field);
    }
}
