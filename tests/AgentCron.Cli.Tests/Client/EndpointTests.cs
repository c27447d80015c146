using System.Collections;
using AgentCron.Client;

namespace AgentCron.Cli.Tests.Client;

public sealed class EndpointTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("agentcron-cli-home-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public void Resolve_UsesDefaultUrl_WhenUrlVariableUnset()
    {
        var endpoint = Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home });

        Assert.Equal("http://127.0.0.1:7433/", endpoint.BaseUrl.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:7433", endpoint.Display);
    }

    [Fact]
    public void Resolve_KeepsPathPrefix_WhenUrlHasOne()
    {
        var endpoint = Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home, ["AGENTCRON_URL"] = "https://box.example/agentcron" });

        Assert.Equal("https://box.example/agentcron/api/tasks", new Uri(endpoint.BaseUrl, "api/tasks").AbsoluteUri);
    }

    [Fact]
    public void Resolve_ThrowsUsage_WhenUrlIsNotHttp()
    {
        var error = Assert.Throws<UsageException>(() => Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home, ["AGENTCRON_URL"] = "127.0.0.1:7433" }));

        Assert.Contains("AGENTCRON_URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ReadsTokenFile_WhenTokenVariableUnset()
    {
        File.WriteAllText(Path.Combine(_home, "token"), "from-file\n");

        var endpoint = Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home });

        Assert.Equal("from-file", endpoint.Token);
        Assert.Equal(Path.Combine(_home, "token"), endpoint.TokenSource);
    }

    [Fact]
    public void Resolve_PrefersTokenVariable_WhenBothGiven()
    {
        File.WriteAllText(Path.Combine(_home, "token"), "from-file");

        var endpoint = Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home, ["AGENTCRON_TOKEN"] = " from-env " });

        Assert.Equal("from-env", endpoint.Token);
        Assert.Equal("AGENTCRON_TOKEN", endpoint.TokenSource);
    }

    [Fact]
    public void Resolve_HasNoToken_WhenNeitherVariableNorFile()
    {
        var endpoint = Endpoint.Resolve(new Hashtable { ["AGENTCRON_HOME"] = _home, ["AGENTCRON_TOKEN"] = "  " });

        Assert.Null(endpoint.Token);
        Assert.Equal(Path.Combine(_home, "token"), endpoint.TokenSource);
    }

    [Fact]
    public void ResolveHome_UsesHomeVariable_WhenSet()
    {
        Assert.Equal(_home, Endpoint.ResolveHome(new Hashtable { ["AGENTCRON_HOME"] = _home, ["XDG_DATA_HOME"] = "/elsewhere" }));
    }

    [Fact]
    public void ResolveHome_UsesXdgDataHome_WhenHomeVariableUnset()
    {
        Assert.Equal(Path.Combine(_home, "agentcron"), Endpoint.ResolveHome(new Hashtable { ["XDG_DATA_HOME"] = _home }));
    }

    [Fact]
    public void ResolveHome_UsesLocalShareUnderProfile_WhenNothingSet()
    {
        var profile = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        Assert.Equal(Path.Combine(profile, ".local", "share", "agentcron"), Endpoint.ResolveHome(new Hashtable()));
    }
}
