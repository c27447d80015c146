using AgentCron.Core;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>
/// Where the daemon listens: loopback unless <c>--allow-remote</c>, whichever source the address comes from (the
/// environment variables ASPNETCORE_URLS, DOTNET_URLS and AGENTCRON__URLS are covered by the end-to-end tests, which
/// can give a process its own environment), and the banner says what was actually bound.
/// </summary>
public sealed class ListenTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Theory]
    [InlineData("http://0.0.0.0:7433")]
    [InlineData("http://[::]:7433")]
    [InlineData("http://*:7433")]
    [InlineData("http://+:7433")]
    [InlineData("http://192.168.1.20:7433")]
    [InlineData("http://agentcron.example:7433")]
    [InlineData("http://127.0.0.1:7433;http://0.0.0.0:7434")]
    public void Create_RefusesNamingAddressAndFlag_WhenUrlsFlagReachesBeyondLoopback(string urls)
    {
        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: urls)));

        Assert.Equal("--urls", error.Field);
        Assert.Contains(urls.Split(';')[^1], error.Reason, StringComparison.Ordinal);
        Assert.Contains("--allow-remote", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_RefusesNamingTheLine_WhenConfigYamlUrlsReachBeyondLoopback()
    {
        File.WriteAllText(_home.File("config.yaml"), "Urls: http://0.0.0.0:7433\n");

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path)));

        Assert.Equal($"{_home.File("config.yaml")}:1 (Urls)", error.Field);
        Assert.Contains("http://0.0.0.0:7433 would listen beyond this machine", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_RefusesNamingTheEndpoint_WhenKestrelEndpointReachesBeyondLoopback()
    {
        File.WriteAllText(_home.File("config.yaml"), "Kestrel:\n  Endpoints:\n    Lan:\n      Url: http://0.0.0.0:7433\n");

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0")));

        Assert.Equal($"{_home.File("config.yaml")}:4 (Kestrel:Endpoints:Lan:Url)", error.Field);
    }

    [Fact]
    public void Create_SaysWhatIsAllowed_WhenUrlsIsNotAnAddress()
    {
        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "localhost7433")));

        Assert.Equal("--urls: 'localhost7433' is not an address to listen on; use a URL such as http://127.0.0.1:7433", error.Message);
    }

    [Fact]
    public async Task Start_ListensOnEveryLoopbackAddressAndBannerListsThem_WhenUrlsNameSeveral()
    {
        await using var app = AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0;http://127.0.0.2:0"));
        await app.StartAsync(CancellationToken.None);

        Assert.Equal(2, app.Addresses.Count);
        Assert.Contains($"  Listening: {string.Join(", ", app.Addresses)}\n", ServerHost.Banner(app, null), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", app.Address.Host);
        Assert.Null(ServerHost.RemoteWarning(app.Addresses));
        await app.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Start_ListensOnAllInterfacesAndWarns_WhenAllowRemote()
    {
        await using var app = AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://0.0.0.0:0", AllowRemote: true));
        await app.StartAsync(CancellationToken.None);

        var bound = Assert.Single(app.Addresses);
        Assert.StartsWith("http://0.0.0.0:", bound, StringComparison.Ordinal);
        Assert.Contains($"  Listening: {bound}\n", ServerHost.Banner(app, null), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", app.Address.Host); // what local clients and agents are told
        var warning = ServerHost.RemoteWarning(app.Addresses);
        Assert.NotNull(warning);
        Assert.Contains($"listening beyond this machine on {bound}", warning, StringComparison.Ordinal);
        Assert.Contains("plain HTTP", warning, StringComparison.Ordinal);
        await app.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("./agentcron.sh", " ./agentcron.sh task list\n")]
    [InlineData(null, " agentcron task list\n")]
    public async Task Banner_SuggestsTheCommandThatStartedIt(string? cli, string suggestion)
    {
        await using var daemon = await TestDaemon.StartAsync(_home.Path);

        var banner = ServerHost.Banner(daemon.App, cli);

        Assert.Contains($"  Try:       AGENTCRON_URL={daemon.App.Address.ToString().TrimEnd('/')} AGENTCRON_HOME={_home.Path}{suggestion}", banner, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7433", true)]
    [InlineData("http://127.0.0.2:7433", true)]
    [InlineData("http://[::1]:7433", true)]
    [InlineData("http://localhost:7433", true)]
    [InlineData("https://LOCALHOST:7433", true)]
    [InlineData("http://unix:/run/agentcron.sock", true)]
    [InlineData("http://0.0.0.0:7433", false)]
    [InlineData("http://[::]:7433", false)]
    [InlineData("http://*:7433", false)]
    [InlineData("http://+:7433", false)]
    [InlineData("http://10.0.0.5:7433", false)]
    [InlineData("http://myhost:7433", false)]
    public void IsLocal_TellsLoopbackFromTheNetwork(string url, bool local)
    {
        Assert.Equal(local, Hosting.ListenAddresses.IsLocal(url));
    }
}
