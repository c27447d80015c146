using System.Net;
using AgentCron.Core;
using AgentCron.Core.Contracts;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>
/// What a run can reach, through the real daemon: its command runs in a bubblewrap sandbox (./test.sh installs it) in
/// which the data directory, the database and the configuration do not exist; it starts in a working folder outside
/// the data directory; and where bubblewrap is missing the daemon says so and runs fail, unless told to run unsandboxed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxTests : IDisposable
{
    private readonly TempDirectory _root = new();

    private string Home => _root.File("home");

    public void Dispose() => _root.Dispose();

    /// <summary>
    /// Regression: a run could read <c>$AGENTCRON_HOME/token</c> and call every route with it, and a task without
    /// <c>cwd</c> even ran in the data directory. Here the database and the configuration file live elsewhere too
    /// (<c>--db sqlite:</c>, <c>--config</c>), and the run also looks at the daemon through <c>/proc</c>.
    /// </summary>
    [Fact]
    public async Task CommandRun_CannotReadTheDaemonsTokenKeyDatabaseConfigOrEnvironment_WhenItTries()
    {
        var database = _root.File("db/agentcron.db");
        var config = _root.File("etc/agentcron.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, "# config-secret-7f3a\nFollowUps:\n  MaxPerRun: 5\n");
        await using var daemon = await TestDaemon.StartAsync(Home, db: $"sqlite:{database}", config: config);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        var key = File.ReadAllText(Path.Combine(Home, "run-token.key")).Trim();
        string[] files = [Path.Combine(Home, "token"), Path.Combine(Home, "run-token.key"), database, $"{database}-wal", $"{database}-shm", config];
        var daemonPid = Environment.ProcessId;
        var script = string.Join("; ", [
            .. files.Select(f => $"cat {f}"),
            $"ls -A {Home}",
            $"cat /proc/{daemonPid}/environ",
            $"ls /proc/{daemonPid}/fd",
            "ls -l /proc/self/fd",
            "echo SANDBOXED-RUN-RAN"]);

        var task = await api.CreateCommandTaskAsync($"sh -c '{script}'");
        var run = await api.WaitForFinishAsync((await api.RunNowAsync(task.Id)).Id);

        Assert.True(run.Status == "succeeded", run.Error);
        var log = await api.LogAsync(run.Id);
        var stdout = Texts(log, "stdout");
        var stderr = Texts(log, "stderr");
        var everything = string.Join('\n', stdout.Concat(stderr));
        Assert.Contains("SANDBOXED-RUN-RAN", stdout);
        Assert.DoesNotContain(daemon.App.Token, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(key, everything, StringComparison.Ordinal);
        Assert.DoesNotContain("SQLite format 3", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("config-secret-7f3a", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Home + "/", string.Join('\n', stdout), StringComparison.Ordinal); // no open file of the data directory
        Assert.DoesNotContain(database, string.Join('\n', stdout), StringComparison.Ordinal);

        // The data directory is there but empty; the files outside it cannot be opened; the daemon is not in /proc.
        Assert.Contains($"cat: {Path.Combine(Home, "token")}: No such file or directory", stderr);
        Assert.Contains($"cat: {Path.Combine(Home, "run-token.key")}: No such file or directory", stderr);
        Assert.All(files.Skip(2).Where(File.Exists), f => Assert.Contains($"cat: {f}: Permission denied", stderr));
        Assert.Contains($"cat: /proc/{daemonPid}/environ: No such file or directory", stderr);
    }

    [Fact]
    public async Task RunWithoutCwd_StartsInAFolderOfItsTaskOutsideTheDataDirectory()
    {
        await using var daemon = await TestDaemon.StartAsync(Home);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var task = await api.CreateTaskAsync(new { name = "nightly report", instructions = "x", agent = new { command = "sh -c 'pwd; touch made-here'" } });
        var run = await api.WaitForFinishAsync((await api.RunNowAsync(task.Id)).Id);

        var folder = Path.Combine(Home + "-work", "nightly-report");
        Assert.True(run.Status == "succeeded", run.Error);
        Assert.Equal(folder, run.Output);
        Assert.True(File.Exists(Path.Combine(folder, "made-here")));
    }

    [Fact]
    public async Task RunsOfTasksOnOneThread_ShareOneFolder_SoThatAgentSessionsKeptPerDirectoryResume()
    {
        await using var daemon = await TestDaemon.StartAsync(Home);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var first = await api.CreateTaskAsync(new { instructions = "x", thread = "slack:C024BE91L:1700000000.000100", agent = new { command = "pwd" } });
        var second = await api.CreateTaskAsync(new { instructions = "y", thread = "slack:C024BE91L:1700000000.000100", agent = new { command = "pwd" } });
        var runs = new[] { await api.RunNowAsync(first.Id), await api.RunNowAsync(second.Id) };
        var finished = await Task.WhenAll(runs.Select(r => api.WaitForFinishAsync(r.Id)));

        var folder = Path.Combine(Home + "-work", "_threads", "slack_C024BE91L_1700000000.000100");
        Assert.All(finished, run => Assert.Equal((folder, "succeeded"), (run.Output, run.Status)));
    }

    [Fact]
    public async Task CreateAndUpdate_RefuseACwdThatIsMissingRelativeOrInTheDataDirectory()
    {
        await using var daemon = await TestDaemon.StartAsync(Home);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);
        var inside = Directory.CreateDirectory(Path.Combine(Home, "scripts")).FullName;
        var outside = Directory.CreateDirectory(_root.File("project")).FullName;

        foreach (var cwd in new[] { "/nonexistent/agentcron", "relative/dir", Home, inside, $"{outside}/../home" })
        {
            using var created = await api.SendAsync(HttpMethod.Post, "/api/tasks", ApiClient.Json(new { instructions = "x", agent = new { command = "true", cwd } }));
            var problem = await ApiClient.AssertInvalidAsync(created, "agent.cwd");
            Assert.Contains($"'{cwd}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var task = await api.CreateTaskAsync(new { instructions = "x", agent = new { command = "true", cwd = outside + "/" } });
        Assert.Equal(outside, task.Agent.Cwd);
        using var updated = await api.SendAsync(HttpMethod.Patch, $"/api/tasks/{task.Id}", ApiClient.Json(new { agent = new { cwd = Home } }));
        await ApiClient.AssertInvalidAsync(updated, "agent.cwd");
        Assert.Equal(outside, (await api.GetTaskAsync(task.Id)).Agent.Cwd);
    }

    [Fact]
    public async Task Runs_FailSayingHowToInstallBubblewrap_WhenItIsMissing()
    {
        var (health, run, log) = await RunOnceAsync("Executable: /nonexistent/bwrap", "echo should-not-run");

        Assert.Equal("unavailable", health.Sandbox.Status);
        Assert.Contains("sudo apt-get install bubblewrap", health.Sandbox.Note, StringComparison.Ordinal);
        Assert.Equal("failed", run.Status);
        Assert.StartsWith("the command runner failed: cannot start the agent without a sandbox: bubblewrap is not installed: '/nonexistent/bwrap'", run.Error, StringComparison.Ordinal);
        Assert.Contains("sudo apt-get install bubblewrap", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Items, e => e.Type == "process.started");
    }

    [Fact]
    public async Task Runs_StartUnsandboxed_WhenBubblewrapIsMissingAndTheSettingAcceptsIt()
    {
        var (health, run, log) = await RunOnceAsync("Executable: /nonexistent/bwrap\n  AllowUnsandboxed: true", "echo ran");

        Assert.Equal("off", health.Sandbox.Status);
        Assert.Equal(("succeeded", "ran"), (run.Status, run.Output));
        var started = Assert.Single(log.Items, e => e.Type == "process.started");
        Assert.False(started.Data.GetProperty("sandboxed").GetBoolean());
    }

    [Fact]
    public async Task Health_SaysRunsAreSandboxed_WhenBubblewrapWorks()
    {
        await using var daemon = await TestDaemon.StartAsync(Home);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var health = await api.ExpectAsync<HealthView>(HttpMethod.Get, "/api/health", HttpStatusCode.OK);

        Assert.Equal("on", health.Sandbox.Status);
        Assert.StartsWith("bubblewrap (", health.Sandbox.Note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WorkRoot: relative/work", "'relative/work' is not an absolute path")]
    [InlineData("WorkRoot: {home}/work", "is inside the data directory")]
    public void Create_NamesTheSetting_WhenTheWorkRootIsRelativeOrInsideTheDataDirectory(string setting, string reason)
    {
        Directory.CreateDirectory(Home);
        File.WriteAllText(Path.Combine(Home, "config.yaml"), $"Sandbox:\n  {setting.Replace("{home}", Home, StringComparison.Ordinal)}\n");

        var error = Assert.Throws<InvalidFieldException>(() => AgentCronApp.Create(new ServeOptions(Home: Home, Urls: "http://127.0.0.1:0")));

        Assert.EndsWith("config.yaml:2 (Sandbox:WorkRoot)", error.Field, StringComparison.Ordinal);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    /// <summary>A daemon with <paramref name="sandboxSettings"/> under <c>Sandbox:</c> in its config.yaml runs <paramref name="command"/> once.</summary>
    private async Task<(HealthView Health, RunView Run, LogView Log)> RunOnceAsync(string sandboxSettings, string command)
    {
        Directory.CreateDirectory(Home);
        File.WriteAllText(Path.Combine(Home, "config.yaml"), $"Sandbox:\n  {sandboxSettings}\n");
        await using var daemon = await TestDaemon.StartAsync(Home);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var health = await api.ExpectAsync<HealthView>(HttpMethod.Get, "/api/health", HttpStatusCode.OK);
        var task = await api.CreateCommandTaskAsync(command);
        var run = await api.WaitForFinishAsync((await api.RunNowAsync(task.Id)).Id);
        return (health, run, await api.LogAsync(run.Id));
    }

    private static List<string> Texts(LogView log, string type) =>
        [.. log.Items.Where(e => e.Type == type).Select(e => e.Data.GetProperty("text").GetString()!)];
}
