namespace AgentCron.Cli.Tests.Commands;

/// <summary>The daemon's warnings about a task it saved reach the person on stderr, without failing the command.</summary>
public sealed class TaskWarningsTests
{
    private const string Warning = "Claude Code is not installed here: 'claude' is not an executable file or on PATH. Install it with 'npm install -g @anthropic-ai/claude-code', or set Agents:Claude:Executable to its path. The task is saved; its runs fail until then.";

    private static readonly string WithWarning =
        Views.Task().Replace("\"version\": 1", $"\"version\": 1, \"warnings\": [\"{Warning}\"]", StringComparison.Ordinal);

    [Theory]
    [InlineData("create", "--at", "+20m", "--agent", "claude", "--prompt", "Check the deploy")]
    [InlineData("update", "check-deploy", "--agent", "claude")]
    public async Task TaskCreateAndUpdate_PrintWarningsOnStderrAndExit0_WhenTheDaemonWarns(params string[] args)
    {
        await using var daemon = new FakeDaemon(r => Reply.Json(WithWarning, r.Method == "POST" ? 201 : 200));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync(["task", .. args]);

        Assert.Equal(0, exitCode);
        Assert.Equal($"warning: {Warning}\n", cli.Error.ToString());
        Assert.StartsWith(args[0] == "create" ? "Created task check-deploy" : "Updated task", cli.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskCreate_PrintsNoWarning_WhenTheDaemonHasNone()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json(Views.Task(), 201));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("task", "create", "--at", "+20m", "--prompt", "Check the deploy");

        Assert.Equal(0, exitCode);
        Assert.Equal("", cli.Error.ToString());
    }
}
