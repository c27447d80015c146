using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Sqlite;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>
/// A full disk through the real daemon: the run's result waits for space, GET /api/health says so meanwhile, and an API
/// write is answered 507 saying why (nothing was changed) instead of a 500.
/// </summary>
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

    [Fact]
    public async Task ApiWrite_Answers507SayingTheDiskIsFull_InsteadOf500_AndSucceedsOnceThereIsSpace()
    {
        // It answered 500 "the daemon hit an unexpected error" and logged a stack trace.
        await using var daemon = await TestDaemon.StartAsync();
        var store = (SqliteStore)daemon.App.Store;
        var body = new { name = "big", instructions = new string('x', 100_000), trigger = new { @in = "1h" }, agent = new { command = "true" } };
        await SqliteDiskSpace.FillAsync(store);

        using var refused = await daemon.Client.PostAsJsonAsync("/api/tasks", body);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "the store's disk is full (SQLite Error 13: 'database or disk is full'): nothing was changed; free space where the database lives and try again",
            problem.GetProperty("detail").GetString());
        Assert.Empty((await daemon.GetAsync<PageView<TaskView>>("/api/tasks")).Items);

        await SqliteDiskSpace.FreeAsync(store);
        using var created = await daemon.Client.PostAsJsonAsync("/api/tasks", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
