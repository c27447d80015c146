using AgentCron.Core;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Create_AppliesConfigYaml_WhenItIsInTheDataDirectory()
    {
        File.WriteAllText(_home.File("config.yaml"), """
            # daemon settings
            Engine:
              MaxConcurrentRuns: 3
              Lease: 00:00:07
            Defaults:
              TimeZone: Europe/Berlin
            """);

        await using var app = AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0"));

        Assert.Equal(3, app.Scheduler.Options.MaxConcurrentRuns);
        Assert.Equal(TimeSpan.FromSeconds(7), app.Scheduler.Options.Lease);
        Assert.Equal("Europe/Berlin", app.Services.GetRequiredService<Core.Tasks.TaskDefaults>().TimeZone.Id);
    }

    [Theory]
    [InlineData("Engine:\n  MaxConcurrentRuns: 3\n  Lease: soon\n", ":3 (Engine:Lease)", "'soon' is not a valid value")]
    [InlineData("Engine:\n  Leese: 00:00:05\n", ":2 (Engine:Leese)", "unknown setting 'Leese' in Engine; known ones: NodeId, MaxConcurrentRuns, Lease")]
    [InlineData("Engine:\n  MaxConcurrentRuns: 0\n", ":2 (Engine:MaxConcurrentRuns)", "must be at least 1")]
    [InlineData("Defaults:\n  TimeZone: Mars/Olympus\n", ":2 (Defaults:TimeZone)", "unknown time zone 'Mars/Olympus'")]
    [InlineData("Engine:\n  Lease: [1, 2\n", "config.yaml:", "")]
    public void Create_NamesFileLineAndKey_WhenASettingIsInvalid(string yaml, string where, string reason)
    {
        File.WriteAllText(_home.File("config.yaml"), yaml);

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0")));

        Assert.StartsWith(_home.File("config.yaml"), error.Field, StringComparison.Ordinal);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_RegistersConfiguredClis_FromTheirPresets()
    {
        File.WriteAllText(_home.File("config.yaml"), """
            Agents:
              Custom:
                goose:
                  Preset: goose
                  Executable: /opt/goose/bin/goose
                my-echo:
                  Executable: echo
                  Args: ["{prompt}"]
                  Input: none
                  Output: text
            """);

        await using var app = AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0"));

        var registry = app.Services.GetRequiredService<Core.Ports.RunnerRegistry>();
        Assert.Contains("goose", registry.Providers);
        Assert.Contains("my-echo", registry.Providers);
        var goose = await registry.Resolve("goose").DescribeAsync(CancellationToken.None);
        Assert.False(goose.Available);
        Assert.Contains("/opt/goose/bin/goose", goose.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Agents:\n  Custom:\n    x:\n      Executable: x\n      Args: [a]\n      Output: xml\n", ":6 (Agents:Custom:x:Output)", "'xml' is not allowed")]
    [InlineData("Agents:\n  Custom:\n    codex:\n      Preset: goose\n", ":3 (Agents:Custom:codex)", "built-in provider")]
    [InlineData("Agents:\n  Custom:\n    x:\n      Preset: goose\n      Outptu: text\n", ":5 (Agents:Custom:x:Outptu)", "unknown setting 'Outptu' in Agents:Custom:x; known ones: Preset, Install, Args")]
    [InlineData("Agents:\n  OpenAi:\n    BaseUrl: ftp://models\n", ":3 (Agents:OpenAi:BaseUrl)", "is not an http or https URL")]
    public void Create_NamesTheAgentSetting_WhenItIsInvalid(string yaml, string where, string reason)
    {
        File.WriteAllText(_home.File("config.yaml"), yaml);

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Urls: "http://127.0.0.1:0")));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Fails_WhenAnExplicitConfigFileIsMissing()
    {
        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: _home.Path, Config: _home.File("nope.yaml"))));

        Assert.Equal("config", error.Field);
        Assert.Contains("nope.yaml' does not exist", error.Reason, StringComparison.Ordinal);
    }
}
