using System.Net;
using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Agents.Processes;
using AgentCron.Server.Api;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;
using AgentCron.Tests;

namespace AgentCron.Server.Tests;

public class RunsApiTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    [Fact]
    public async Task RunNow_Returns202AndRunSucceeds()
    {
        var task = await Api.CreateCommandTaskAsync("sh -c 'echo out-$AGENTCRON_RUN_ID; cat'");

        using var response = await Api.SendAsync(HttpMethod.Post, $"/api/tasks/{task.Id}/run");

        await ApiClient.AssertStatusAsync(HttpStatusCode.Accepted, response);
        var queued = await ApiClient.ReadAsync<RunView>(response);
        Assert.Equal($"/api/runs/{queued.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("manual", queued.Trigger);
        Assert.Equal(task.Id, queued.TaskId);
        Assert.Equal(task.Slug, queued.TaskSlug);
        var run = await Api.WaitForRunAsync(queued.Id, "succeeded");
        Assert.Equal(task.Slug, run.TaskSlug);
        Assert.Equal($"out-{queued.Id}\nthe prompt", run.Output);
        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Error);
        Assert.NotNull(run.DurationMs);
        var after = await Eventually.GetAsync(async () => await Api.GetTaskAsync(task.Id) is { LastRunId: { } id } t && id == run.Id ? t : null, TimeSpan.FromSeconds(10), "the task to record its last run");
        Assert.Equal("succeeded", after.LastRunStatus);
        Assert.Equal("active", after.Status); // a manual run does not end a task without a trigger
    }

    [Fact]
    public async Task ListRuns_FiltersByTaskAndStatusAndNamesEachTaskBySlug()
    {
        var good = await Api.CreateCommandTaskAsync("true");
        var bad = await Api.CreateCommandTaskAsync("false");
        var goodRun = await Api.WaitForFinishAsync((await Api.RunNowAsync(good.Id)).Id);
        var badRun = await Api.WaitForFinishAsync((await Api.RunNowAsync(bad.Id)).Id);
        Assert.Equal("succeeded", goodRun.Status);
        Assert.Equal("failed", badRun.Status);

        async Task<IReadOnlyList<string>> IdsAsync(string query) =>
            [.. (await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, "/api/runs" + query, HttpStatusCode.OK)).Items.Select(r => r.Id)];

        Assert.Equal([goodRun.Id], await IdsAsync($"?task={good.Id}"));
        Assert.Equal([goodRun.Id], await IdsAsync($"?task={good.Slug}"));
        Assert.Equal([badRun.Id], await IdsAsync($"?task={bad.Id}&status=failed"));
        Assert.Empty(await IdsAsync($"?task={good.Id}&status=failed"));
        var listed = (await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, "/api/runs?limit=500", HttpStatusCode.OK)).Items;
        Assert.Equal(good.Slug, Assert.Single(listed, r => r.Id == goodRun.Id).TaskSlug);
        Assert.Equal(bad.Slug, Assert.Single(listed, r => r.Id == badRun.Id).TaskSlug);
        var failed = await IdsAsync("?status=failed&limit=500");
        Assert.Contains(badRun.Id, failed);
        Assert.DoesNotContain(goodRun.Id, failed);
        var succeeded = await IdsAsync("?status=succeeded&limit=500");
        Assert.Contains(goodRun.Id, succeeded);
        Assert.DoesNotContain(badRun.Id, succeeded);
    }

    [Fact]
    public async Task GetLog_ReturnsOrderedEntriesWithOutputLines_WhenRunHasFinished()
    {
        var task = await Api.CreateCommandTaskAsync("sh -c 'echo one; echo warn >&2; echo two; echo three'");
        var run = await Api.WaitForRunAsync((await Api.RunNowAsync(task.Id)).Id, "succeeded");

        var log = await Api.LogAsync(run.Id);

        Assert.True(log.Finished);
        Assert.Equal(log.Items[^1].Seq, log.Next);
        Assert.Equal(log.Items.Select(e => e.Seq).Order(), log.Items.Select(e => e.Seq));
        Assert.Equal(log.Items.Count, log.Items.Select(e => e.Seq).Distinct().Count());
        Assert.Equal("attempt.started", log.Items[0].Type);
        Assert.Equal("attempt.finished", log.Items[^1].Type);
        Assert.Contains(log.Items, e => e.Type == "process.started");
        Assert.Equal(["one", "two", "three"], Texts(log.Items, "stdout"));
        Assert.Equal(["warn"], Texts(log.Items, "stderr"));

        var rest = await Api.ExpectAsync<LogView>(HttpMethod.Get, $"/api/runs/{run.Id}/log?after={log.Items[1].Seq}", HttpStatusCode.OK);
        Assert.Equal(log.Items.Skip(2).Select(e => e.Seq), rest.Items.Select(e => e.Seq));
    }

    [Fact]
    public async Task LogStream_DeliversLogEventsInOrderThenEnd_WhileRunIsLive()
    {
        using var dir = new TempDirectory();
        var gate = dir.File("gate");
        var task = await Api.CreateCommandTaskAsync($"sh -c 'echo first; while [ ! -e {gate} ]; do sleep 0.05; done; echo second; echo third'");
        var queued = await Api.RunNowAsync(task.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await Api.SendAsync(HttpMethod.Get, $"/api/runs/{queued.Id}/log/stream", completion: HttpCompletionOption.ResponseHeadersRead);
        await ApiClient.AssertStatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var logs = new List<LogEntryView>();
        RunView? end = null;
        await foreach (var sse in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token))
        {
            if (sse.Type == "end")
            {
                end = JsonSerializer.Deserialize<RunView>(sse.Data, ApiJson.Options);
                break;
            }

            Assert.Equal("log", sse.Type);
            var entry = JsonSerializer.Deserialize<LogEntryView>(sse.Data, ApiJson.Options)!;
            Assert.Equal(entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), sse.Id);
            logs.Add(entry);
            if (entry.Type == "stdout" && Text(entry) == "first")
            {
                // The run is waiting for this file: the stream is live, not replayed after the fact.
                Assert.Equal("running", (await Api.GetRunAsync(queued.Id)).Status);
                await File.WriteAllTextAsync(gate, "", timeout.Token);
            }
        }

        Assert.NotNull(end);
        Assert.Equal(queued.Id, end.Id);
        Assert.Equal("succeeded", end.Status);
        Assert.Equal("first\nsecond\nthird", end.Output);
        Assert.Equal(logs.Select(e => e.Seq).Order(), logs.Select(e => e.Seq));
        Assert.Equal(["first", "second", "third"], Texts(logs, "stdout"));
        Assert.Equal("attempt.finished", logs[^1].Type);
        Assert.Equal((await Api.LogAsync(queued.Id)).Items.Select(e => e.Seq), logs.Select(e => e.Seq));
    }

    [Fact]
    public async Task LogStream_ReplaysAndEnds_WhenRunHasAlreadyFinished()
    {
        var task = await Api.CreateCommandTaskAsync("echo done");
        var run = await Api.WaitForRunAsync((await Api.RunNowAsync(task.Id)).Id, "succeeded");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        using var response = await Api.SendAsync(HttpMethod.Get, $"/api/runs/{run.Id}/log/stream", completion: HttpCompletionOption.ResponseHeadersRead);
        var events = new List<ServerSentEvent>();
        await foreach (var sse in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync(timeout.Token), timeout.Token))
        {
            events.Add(sse);
        }

        Assert.Equal("end", events[^1].Type);
        Assert.All(events[..^1], e => Assert.Equal("log", e.Type));
        Assert.Equal((await Api.LogAsync(run.Id)).Items.Count, events.Count - 1);
    }

    [Fact]
    public async Task CancelRun_Returns409_WhenRunHasFinished()
    {
        var task = await Api.CreateCommandTaskAsync("true");
        var run = await Api.WaitForRunAsync((await Api.RunNowAsync(task.Id)).Id, "succeeded");

        using var response = await Api.SendAsync(HttpMethod.Post, $"/api/runs/{run.Id}/cancel");

        await ApiClient.AssertStatusAsync(HttpStatusCode.Conflict, response);
        Assert.Equal("succeeded", (await Api.GetRunAsync(run.Id)).Status);
    }

    private static string Text(LogEntryView entry) => entry.Data.GetProperty("text").GetString()!;

    private static List<string> Texts(IEnumerable<LogEntryView> entries, string type) => [.. entries.Where(e => e.Type == type).Select(Text)];
}

public class RunStopTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(10);

    private ApiClient Api => fixture.Api;

    [Fact]
    public async Task CancelRun_EndsCancelledAndKillsProcess_WhenCommandIsLongRunning()
    {
        var task = await Api.CreateCommandTaskAsync("sleep 30", retries: 2); // a cancelled attempt is not retried
        var queued = await Api.RunNowAsync(task.Id);
        var pid = await Api.WaitForPidAsync(queued.Id);
        Assert.True(ProcessGroup.IsAlive(pid));

        var cancelling = await Api.ExpectAsync<RunView>(HttpMethod.Post, $"/api/runs/{queued.Id}/cancel", HttpStatusCode.OK);

        Assert.True(cancelling.CancelRequested || cancelling.Status == "cancelled");
        var run = await Eventually.GetAsync(async () => await Api.GetRunAsync(queued.Id) is { Status: "cancelled" } r ? r : null, Promptly, "the run to end cancelled");
        Assert.Contains("cancelled", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, run.Attempt);
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task CancelRun_CancelsAtOnce_WhenRunIsQueuedBehindARunningOne()
    {
        var task = await Api.CreateCommandTaskAsync("sleep 30");
        var first = await Api.RunNowAsync(task.Id);
        var pid = await Api.WaitForPidAsync(first.Id);
        var second = await Api.RunNowAsync(task.Id);

        var cancelled = await Api.ExpectAsync<RunView>(HttpMethod.Post, $"/api/runs/{second.Id}/cancel", HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.Status);

        var task2 = await Api.ExpectAsync<TaskView>(HttpMethod.Post, $"/api/tasks/{task.Id}/cancel", HttpStatusCode.OK);
        Assert.Equal("active", task2.Status);
        await Api.WaitForRunAsync(first.Id, "cancelled");
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task Run_EndsTimedOutAndKillsProcess_WhenCommandOutlivesTimeout()
    {
        var task = await Api.CreateCommandTaskAsync("sleep 30", timeout: "1s");
        var queued = await Api.RunNowAsync(task.Id);
        var pid = await Api.WaitForPidAsync(queued.Id);

        var run = await Eventually.GetAsync(async () => await Api.GetRunAsync(queued.Id) is { Status: "timed_out" } r ? r : null, Promptly, "the run to time out");

        Assert.Equal(1, run.Attempt);
        Assert.Contains("timed out after", run.Error, StringComparison.Ordinal);
        await AssertGoneAsync(pid);
        var log = await Api.LogAsync(run.Id);
        Assert.Equal("timed_out", log.Items[^1].Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task DeleteTask_KillsRunningProcessAndKeepsDaemonHealthy()
    {
        var task = await Api.CreateCommandTaskAsync("sleep 30");
        var queued = await Api.RunNowAsync(task.Id);
        var pid = await Api.WaitForPidAsync(queued.Id);

        using (var delete = await Api.SendAsync(HttpMethod.Delete, $"/api/tasks/{task.Id}"))
        {
            await ApiClient.AssertStatusAsync(HttpStatusCode.NoContent, delete);
        }

        await AssertGoneAsync(pid);
        using (var run = await Api.SendAsync(HttpMethod.Get, $"/api/runs/{queued.Id}"))
        {
            await ApiClient.AssertStatusAsync(HttpStatusCode.NotFound, run);
        }

        await Eventually.TrueAsync(() => Task.FromResult(fixture.Daemon.App.Scheduler.RunningCount == 0), Promptly, "the dispatcher to let go of the run");
        var health = await Api.ExpectAsync<HealthView>(HttpMethod.Get, "/api/health", HttpStatusCode.OK);
        Assert.Equal("ok", health.Status);
    }

    /// <summary>The process is gone: no live process of its group in /proc (zombies awaiting reaping by init count as dead).</summary>
    private static Task AssertGoneAsync(int pid) =>
        Eventually.TrueAsync(() => Task.FromResult(!LiveProcesses.InGroup(pid).Any()), Promptly, $"process group {pid} to die");
}
