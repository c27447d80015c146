using System.Text.Json;
using AgentCron.Agents.Processes;
using AgentCron.Core.Processes;
using AgentCron.TestKit;

namespace AgentCron.Cli.Tests.EndToEnd;

/// <summary>The real <c>agentcron serve</c> process driven by the real CLI.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class EndToEndTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly TempDirectory _work = new(); // what the runs write: outside the data directory, which runs cannot see

    public void Dispose()
    {
        _home.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task OneTimeTask_FiresAndItsOutputIsReadable_WhenCreatedWithTheCli()
    {
        await using var daemon = await DaemonProcess.StartAsync(_home.Path);

        var created = await daemon.CliAsync("task", "create", "--in", "2s", "--name", "hello e2e", "--prompt", "say hello",
            "--command", "sh -c 'echo hello from $AGENTCRON_TASK_SLUG; cat'", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var task = JsonDocument.Parse(created.Stdout).RootElement;
        var taskId = task.GetProperty("id").GetString()!;
        Assert.Equal("at", task.GetProperty("trigger").GetProperty("kind").GetString());

        var run = await Eventually.GetAsync(async () =>
        {
            var list = await daemon.CliAsync("runs", "list", "--task", taskId, "--json");
            var items = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items");
            return items.GetArrayLength() == 1 && items[0].GetProperty("status").GetString() == "succeeded" ? (object)items[0] : null;
        }, TimeSpan.FromSeconds(30), "the one-time task's run to succeed");

        var runId = ((JsonElement)run).GetProperty("id").GetString()!;
        var log = await daemon.CliAsync("runs", "log", runId);
        Assert.True(log.ExitCode == 0, log.ToString());
        Assert.Contains("hello from hello-e2e", log.Stdout, StringComparison.Ordinal);
        Assert.Contains("say hello", log.Stdout, StringComparison.Ordinal);

        var agents = await daemon.CliAsync("agents");
        Assert.True(agents.ExitCode == 0, agents.ToString());
        Assert.Contains("command (default)", agents.Stdout, StringComparison.Ordinal);

        var shown = await daemon.CliAsync("task", "show", taskId, "--json");
        Assert.Equal("succeeded", JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Serve_StartsAndSaysRunsCannotStartAndHowToInstallBubblewrap_WhenItIsMissing()
    {
        await using var daemon = await DaemonProcess.StartAsync(_home.Path, new Dictionary<string, string> { ["AGENTCRON__SANDBOX__EXECUTABLE"] = "/nonexistent/bwrap" });

        // Health answers as soon as the daemon listens; the banner follows.
        await Eventually.TrueAsync(() => Task.FromResult(daemon.Output.Contains("  Try:", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "the start-up banner");
        Assert.Matches(@"\n  Sandbox: +UNAVAILABLE: bubblewrap is not installed: '/nonexistent/bwrap'", daemon.Output);
        Assert.Contains("install it with 'sudo apt-get install bubblewrap'", daemon.Output, StringComparison.Ordinal);
        Assert.Contains("Runs are not sandboxed", daemon.Output, StringComparison.Ordinal); // the log's warning
    }

    /// <summary>Regression: <c>--cwd /nonexistent</c> was accepted, and every run of the task then failed.</summary>
    [Fact]
    public async Task TaskCreate_ExitsWithUsageErrorNamingCwd_WhenTheDirectoryDoesNotExist()
    {
        await using var daemon = await DaemonProcess.StartAsync(_home.Path);

        var created = await daemon.CliAsync("task", "create", "--in", "1h", "--prompt", "x", "--command", "true", "--cwd", "/nonexistent/agentcron");

        Assert.True(created.ExitCode == 2, created.ToString());
        Assert.Contains("agent.cwd", created.Stderr, StringComparison.Ordinal);
        Assert.Contains("'/nonexistent/agentcron' is not an existing directory", created.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunInProgress_CompletesOnANewAttempt_WhenTheDaemonIsKilledAndRestarted()
    {
        var settings = new Dictionary<string, string> { ["AGENTCRON__ENGINE__LEASE"] = "00:00:03" };
        var journal = _work.File("journal.txt");
        var daemon = await DaemonProcess.StartAsync(_home.Path, settings);
        string taskId;
        int orphan;
        try
        {
            // Each attempt notes its start; only an attempt that is not killed notes its end. The first outlasts any slow
            // restart (it must still be running when the restarted daemon recovers the run); the second is quick.
            var created = await daemon.CliAsync("task", "create", "--run-now", "--name", "crash test", "--prompt", "work",
                "--command", $"sh -c 'echo start $AGENTCRON_ATTEMPT >> {journal}; if [ $AGENTCRON_ATTEMPT = 1 ]; then sleep 120; else sleep 1; fi; echo end $AGENTCRON_ATTEMPT >> {journal}'",
                "--retries", "2", "--json");
            Assert.True(created.ExitCode == 0, created.ToString());
            taskId = JsonDocument.Parse(created.Stdout).RootElement.GetProperty("id").GetString()!;
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(journal) && File.ReadAllText(journal).Contains("start 1", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), "attempt 1 to start");
            var running = await daemon.RunsAsync(taskId);
            Assert.Equal("running", running[0].GetProperty("status").GetString());
            orphan = (int)await Eventually.GetAsync(async () => (object?)await FindPidAsync(daemon, taskId), TimeSpan.FromSeconds(10), "the agent's pid in the log");
            Assert.True(ProcessGroup.IsAlive(orphan));
        }
        finally
        {
            daemon.Kill();
        }

        // The agent of attempt 1 outlived its daemon (as after a real crash) until the restarted daemon recovers the run
        // (when the 3 s lease attempt 1 was claimed under expires). The restarted daemon claims attempt 2 under the default
        // lease, so a busy machine's late heartbeat cannot make it recover attempt 2 as well.
        await using var restarted = await DaemonProcess.StartAsync(_home.Path);
        var finished = await Eventually.GetAsync(async () =>
        {
            var runs = await restarted.RunsAsync(taskId);
            return runs.Count == 1 && runs[0].GetProperty("status").GetString() == "succeeded" ? (object)runs[0] : null;
        }, TimeSpan.FromSeconds(60), "the run to succeed after the restart") is JsonElement element ? element : default;

        Assert.Equal(2, finished.GetProperty("attempt").GetInt32());
        Assert.False(ProcessGroup.IsAlive(orphan), "the crashed daemon's agent process group must be killed on recovery");
        Assert.Equal(["start 1", "start 2", "end 2"], File.ReadAllLines(journal));
        var log = await restarted.CliAsync("runs", "log", finished.GetProperty("id").GetString()!, "--json");
        Assert.Contains("attempt.abandoned", log.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDaemonsOnOneDatabase_RunEachOfAThousandTasksExactlyOnce()
    {
        const int count = 1000;
        var journal = new ExecutionJournal(_work.File("ran.txt"));
        await using var first = await DaemonProcess.StartAsync(_home.Path);
        await using var second = await DaemonProcess.StartAsync(_home.Path);

        // Created through the API of both daemons in parallel (the CLI would spend minutes starting a process per task).
        var due = TimeProvider.System.GetUtcNow().AddSeconds(8);
        using var a = first.Api();
        using var b = second.Api();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var client = i % 2 == 0 ? a : b;
            using var response = await client.PostAsync("/api/tasks", DaemonProcess.Json(new
            {
                name = $"fan-out {i}",
                instructions = "note that I ran",
                trigger = new { at = due.AddMilliseconds(i * 5).ToString("O") },
                agent = new { command = journal.Command },
            }), ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        });

        // Wait until the store says every run has finished; only then is the journal complete.
        var runs = await Eventually.GetAsync(async () =>
        {
            var all = await first.AllRunsAsync();
            return all.Count >= count && all.All(r => r.GetProperty("status").GetString() is not ("queued" or "running")) ? all : null;
        }, TimeSpan.FromSeconds(180), $"{count} runs to finish");

        // Every task has exactly one run, which succeeded, and no attempt executed twice (retries are not what this tests).
        Assert.Equal(count, runs.Count);
        Assert.Equal(count, runs.Select(r => r.GetProperty("taskId").GetString()).Distinct().Count());
        journal.AssertExactlyOnceRecords(runs);

        // Both daemons did part of the work (each attempt's log names the node that ran it).
        var listed = await first.CliAsync("runs", "list", "--limit", "5", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        using var client = first.Api();
        var nodes = new Dictionary<string, int>();
        foreach (var run in runs)
        {
            var log = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{run.GetProperty("id").GetString()}/log")).RootElement;
            var node = log.GetProperty("items")[0].GetProperty("data").GetProperty("node").GetString()!;
            nodes[node] = nodes.GetValueOrDefault(node) + 1;
        }

        Assert.True(nodes.Count == 2, $"runs per daemon: {string.Join(", ", nodes.Select(n => $"{n.Key}={n.Value}"))}");
    }

    private static async Task<int?> FindPidAsync(DaemonProcess daemon, string taskId)
    {
        var runs = await daemon.RunsAsync(taskId);
        using var client = daemon.Api();
        var log = JsonDocument.Parse(await client.GetStringAsync($"/api/runs/{runs[0].GetProperty("id").GetString()}/log")).RootElement;
        return log.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "process.started")
            .Select(e => (int?)e.GetProperty("data").GetProperty("pid").GetInt32())
            .FirstOrDefault();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end processes";
}
