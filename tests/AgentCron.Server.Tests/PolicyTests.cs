using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Core.Processes;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

/// <summary>Task policies end to end in the daemon, with real command processes and the real clock.</summary>
public class PolicyTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>
{
    private ApiClient Api => fixture.Api;

    [Fact]
    public async Task OverlapReplace_CancelsTheRunningRunAndStartsTheNewOne_WhenTheNextOccurrenceComes()
    {
        var task = await Api.CreateTaskAsync(new
        {
            instructions = "long work",
            trigger = new { every = "2s" },
            agent = new { command = "sleep 60" },
            policies = new { overlap = "replace", retries = 0 },
        });

        var runs = await Eventually.GetAsync(async () =>
        {
            var page = await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}", HttpStatusCode.OK);
            return page.Items.Any(r => r.Status == "cancelled") && page.Items.Any(r => r.Status == "running") ? page.Items : null;
        }, TimeSpan.FromSeconds(30), "a replaced run and its successor");
        await Api.PostAsync($"/api/tasks/{task.Id}/pause");

        var replaced = runs.Last(r => r.Status == "cancelled");
        Assert.Contains("cancelled", replaced.Error, StringComparison.Ordinal);
        Assert.True(runs.Single(r => r.Status == "running").ScheduledFor > replaced.ScheduledFor);
        await Api.PostAsync($"/api/tasks/{task.Id}/cancel");
    }

    [Fact]
    public async Task MaxConsecutiveFailures_PausesTheTaskWithTheReason_WhenRunsKeepFailing()
    {
        var task = await Api.CreateTaskAsync(new
        {
            instructions = "fail",
            trigger = new { every = "1s" },
            agent = new { command = "sh -c 'echo broken >&2; exit 3'" },
            policies = new { retries = 0, maxConsecutiveFailures = 2 },
        });

        var paused = await Eventually.GetAsync(async () =>
        {
            var current = await Api.GetTaskAsync(task.Id);
            return current.Status == "paused" ? current : null;
        }, TimeSpan.FromSeconds(30), "the task to pause itself");

        Assert.Equal(2, paused.ConsecutiveFailures);
        Assert.Null(paused.NextFireAt);
        Assert.StartsWith("paused automatically after 2 consecutive failed runs", paused.StatusReason, StringComparison.Ordinal);
        Assert.Contains("exited with code 3: broken", paused.StatusReason, StringComparison.Ordinal);
        var page = await Api.ExpectAsync<PageView<RunView>>(HttpMethod.Get, $"/api/runs?task={task.Id}&status=failed", HttpStatusCode.OK);
        Assert.Equal(2, page.Items.Count);
    }
}
