using System.Net.Sockets;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>
/// <c>agentcron serve</c> as a process with its own environment: .NET's address variables (which the in-process tests
/// cannot set without racing other tests) never make it listen beyond loopback unless <c>--allow-remote</c> is given.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ServeAddressTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("ASPNETCORE_URLS", "http://0.0.0.0:{0}", "ASPNETCORE_URLS")]
    [InlineData("DOTNET_URLS", "http://[::]:{0}", "DOTNET_URLS")]
    [InlineData("URLS", "http://*:{0}", "URLS")]
    [InlineData("AGENTCRON__URLS", "http://+:{0}", "AGENTCRON__URLS")]
    [InlineData("AGENTCRON__KESTREL__ENDPOINTS__LAN__URL", "http://0.0.0.0:{0}", "AGENTCRON__KESTREL__ENDPOINTS__LAN__URL")]
    public async Task Serve_RefusesToStartNamingTheVariableAndTheFlag_WhenAnAddressVariableReachesBeyondLoopback(string variable, string url, string source)
    {
        var port = LoopbackPort.Free();
        var address = string.Format(System.Globalization.CultureInfo.InvariantCulture, url, port);

        var serve = await AgentCronProcess.RunAsync(new Dictionary<string, string> { [variable] = address }, "serve", "--home", _home.Path);

        Assert.True(serve.ExitCode == 2, serve.ToString());
        Assert.StartsWith($"agentcron: {source}: {address} would listen beyond this machine;", serve.Stderr, StringComparison.Ordinal);
        Assert.Contains("'serve --allow-remote'", serve.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("AgentCron is running", serve.Stdout, StringComparison.Ordinal);
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
    }

    [Fact]
    public async Task Serve_ListensWhereTheFlagSaysAndSuggestsTheCommandThatStartedIt_WhenTheEnvironmentSaysOtherwise()
    {
        var ignored = $"http://0.0.0.0:{LoopbackPort.Free()}";
        await using var daemon = await DaemonProcess.StartAsync(_home.Path, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = ignored,
            ["AGENTCRON_CLI"] = "./agentcron.sh",
        });

        await Eventually.TrueAsync(() => Task.FromResult(daemon.Output.Contains("  Try:", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the banner");
        Assert.Contains($"  Listening: {daemon.Url}\n", daemon.Output, StringComparison.Ordinal);
        Assert.Contains($"AGENTCRON_HOME={_home.Path} ./agentcron.sh task list\n", daemon.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("listening beyond this machine", daemon.Output, StringComparison.Ordinal);
    }
}
