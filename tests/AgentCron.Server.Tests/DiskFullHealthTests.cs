using AgentCron.Core.Contracts;
using AgentCron.Sqlite;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>A full disk through the real daemon: the run's result waits for space, and GET /api/health says so meanwhile.</summary>
public class DiskFullHealthTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Health_IsDegradedWithTheReason_WhileARunsResultCannotBeWritten_AndOkOnceItIs()
    {
        // Health stayed "ok" while the result was retried, then thrown away.
        await using var daemon = await TestDaemon.StartAsync();
        using var work = new TempDirectory();
        var task = await daemon.CreateTaskAsync(new
        {
            instructions = "write the long report once told to",
            agent = new { command = "sh -c 'while [ ! -e go ]; do sleep 0.05; done; printf %060000d 0'", cwd = work.Path },
            runNow = true,
        });
        var run = await Eventually.GetAsync(
            async () => (await daemon.GetAsync<PageView<RunView>>($"/api/runs?task={task.Id}")).Items.FirstOrDefault(r => r.Status == "running"),
            Patience,
            "the run to start");
        var store = (SqliteStore)daemon.App.Store;
        await SqliteDiskSpace.FillAsync(store);

        await File.WriteAllTextAsync(Path.Combine(work.Path, "go"), "");

        var degraded = await Eventually.GetAsync(
            async () => await daemon.GetAsync<HealthView>("/api/health") is { Status: "degraded" } health ? health : null,
            Patience,
            "health to turn degraded");
        Assert.Contains($"the result of run {run.Id} could not be written: SQLite Error 13: 'database or disk is full'; retrying", degraded.Reasons);

        await SqliteDiskSpace.FreeAsync(store);

        var finished = await Eventually.GetAsync(
            async () => await daemon.GetAsync<RunView>($"/api/runs/{run.Id}") is { Status: "succeeded" } view ? view : null,
            Patience,
            "the result to be written once there is space");
        Assert.Equal((1, new string('0', 60_000)), (finished.Attempt, finished.Output));
        Assert.Single((await daemon.GetAsync<PageView<RunView>>($"/api/runs?task={task.Id}")).Items);
        await Eventually.TrueAsync(
            async () => await daemon.GetAsync<HealthView>("/api/health") is { Status: "ok", Reasons.Count: 0 },
            Patience,
            "health to be ok again");
    }
}
