using System.Net;
using System.Text.Json;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>The real <c>agentcron serve</c> at start: what it cannot use stops it with a message, and homes are shared safely.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class StartCheckTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Serve_Exits1NamingTheFile_WhenTheDatabaseIsNotADatabase()
    {
        // It said "unexpected SqliteException", after logging a stack trace.
        var db = _home.File("notes.db");
        await File.WriteAllTextAsync(db, string.Concat(Enumerable.Repeat("my notes, not a database. ", 100)));

        var result = await ServeAsync("--db", "sqlite:" + db);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"agentcron: '{db}' is not a SQLite database (SQLite Error 26: 'file is not a database'); point --db at an AgentCron database, or at a path where one can be created", result.Stderr.Trim());
        Assert.DoesNotContain("running", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Exits1NamingTheServer_NotThePassword_WhenPostgresCannotBeReached()
    {
        var port = LoopbackPort.Free();

        var result = await ServeAsync("--db", $"postgres:Host=127.0.0.1;Port={port};Database=agentcron;Username=cron;Password=s3cret-pw");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith($"agentcron: cannot use PostgreSQL at 127.0.0.1:{port}, database 'agentcron' as user 'cron': Failed to connect", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain("s3cret-pw", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDaemonsStartingTogetherOnAFreshHome_AgreeOnTheTokenAndTheRunTokenKey()
    {
        // Each checked for the token file, found none and wrote its own: one of them then rejected the token in the file.
        var daemons = await Task.WhenAll(DaemonProcess.StartAsync(_home.Path), DaemonProcess.StartAsync(_home.Path));
        await using var first = daemons[0];
        await using var second = daemons[1];

        foreach (var daemon in daemons)
        {
            using var api = daemon.Api();
            using var response = await api.GetAsync("/api/tasks");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{daemon.Url}: {(int)response.StatusCode}\n{daemon.Output}");
        }

        // A run's token, signed with the key of whichever daemon runs it, is accepted by both (while the run runs).
        var check = string.Join(" && ", daemons.Select(d => $"AGENTCRON_URL={d.Url} dotnet {AgentCronProcess.Dll} runs show \"$AGENTCRON_RUN_ID\" --json >/dev/null"));
        var created = await first.CliAsync("task", "create", "--run-now", "--retries", "0", "--name", "run token check", "--prompt", "x",
            "--command", $"sh -c '{check} && echo both daemons accepted the run token'", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var taskId = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("id").GetString()!;
        var run = (JsonElement)await Eventually.GetAsync(
            async () => (await first.RunsAsync(taskId)).Where(r => r.GetProperty("status").GetString() is "succeeded" or "failed").Select(r => (object)r).FirstOrDefault(),
            TimeSpan.FromSeconds(60),
            "the run to end");
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"{run}\n{first.Output}\n{second.Output}");
        Assert.Equal("both daemons accepted the run token", run.GetProperty("output").GetString()?.Trim());
    }

    private Task<CliResult> ServeAsync(params string[] args) => AgentCronProcess.RunAsync(
        new Dictionary<string, string> { ["AGENTCRON_HOME"] = _home.Path },
        ["serve", "--home", _home.Path, "--urls", $"http://127.0.0.1:{LoopbackPort.Free()}", .. args]);
}
