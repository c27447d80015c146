namespace AgentCron.Cli.Tests.Commands;

/// <summary><c>agentcron ui</c> asks the daemon for a fresh sign-in link and prints it.</summary>
public sealed class UiCommandTests
{
    [Fact]
    public async Task Ui_PostsForALink_AndPrintsIt()
    {
        await using var daemon = new FakeDaemon(_ => Reply.Json("""{"url": "http://127.0.0.1:7433/sign-in?code=abc"}"""));
        var cli = new CliRun(daemon.Url);

        var exitCode = await cli.RunAsync("ui");

        Assert.Equal(0, exitCode);
        Assert.Equal(("POST", "/api/ui/link", "Bearer test-token"), (daemon.Requests[0].Method, daemon.Requests[0].PathAndQuery, daemon.Requests[0].Authorization));
        Assert.Equal("Open this link within 15 minutes (it works once):\n  http://127.0.0.1:7433/sign-in?code=abc\n", cli.Out.ToString());
    }
}
