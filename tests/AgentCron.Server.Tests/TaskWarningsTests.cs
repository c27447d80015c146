using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>A task whose agent cannot run here is saved, and the answer says why and how to install it.</summary>
public sealed class TaskWarningsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _home = new();
    private TestDaemon _daemon = null!;
    private ApiClient _api = null!;

    public async Task InitializeAsync()
    {
        // Claude Code is "installed" (any executable file will do: nothing is started to check it); Codex is not.
        File.WriteAllText(_home.File("config.yaml"), $"Agents:\n  Claude:\n    Executable: /bin/true\n  Codex:\n    Executable: {_home.File("no-codex-here")}\n");
        _daemon = await TestDaemon.StartAsync(_home.Path);
        _api = new ApiClient(_daemon.App.Address, _daemon.App.Token);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _daemon.DisposeAsync();
    }

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task CreateTask_WarnsWithTheInstallLine_WhenTheAgentsCliIsNotInstalled()
    {
        var task = await _api.CreateTaskAsync(new { instructions = "review", agent = new { provider = "codex" } });

        var warning = Assert.Single(task.Warnings!);
        Assert.Contains("Codex is not installed here", warning, StringComparison.Ordinal);
        Assert.Contains("Install it with 'npm install -g @openai/codex'", warning, StringComparison.Ordinal);
        Assert.Equal("active", (await _api.GetTaskAsync(task.Id)).Status);
        Assert.Null((await _api.GetTaskAsync(task.Id)).Warnings);
    }

    [Fact]
    public async Task CreateTask_HasNoWarnings_WhenTheAgentCanRun()
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "review", agent = new { provider = "claude" } }));

        await ApiClient.AssertStatusAsync(HttpStatusCode.Created, response);
        Assert.DoesNotContain("warnings", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateTask_Warns_WhenTheAgentChangesToOneThatIsNotInstalled()
    {
        var task = await _api.CreateTaskAsync(new { instructions = "review", agent = new { provider = "claude" } });

        var renamed = await _api.ExpectAsync<TaskView>(HttpMethod.Patch, $"/api/tasks/{task.Id}", HttpStatusCode.OK, new { name = "renamed" });
        var moved = await _api.ExpectAsync<TaskView>(HttpMethod.Patch, $"/api/tasks/{task.Id}", HttpStatusCode.OK, new { agent = new { provider = "codex" } });

        Assert.Null(renamed.Warnings);
        Assert.Contains("Codex is not installed here", Assert.Single(moved.Warnings!), StringComparison.Ordinal);
    }
}
