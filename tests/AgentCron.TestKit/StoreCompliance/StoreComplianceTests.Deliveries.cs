using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    private static readonly DeliveryTarget Slack = new("slack", "C1", null);
    private static readonly DeliveryTarget Hook = new("hook", null, null);

    [Fact]
    public async Task CompleteAsync_WritesTheRunsDeliveries_OnePerTargetAndKind_DueAtOnce()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result), new NewDelivery(Hook, DeliveryKind.Result), new NewDelivery(Slack, DeliveryKind.Result), new NewDelivery(Slack, DeliveryKind.Alert, "failed 3 runs in a row"));

        var deliveries = (await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id), None)).Items.OrderBy(d => d.Target.ToString() + d.Kind).ToList();

        Assert.Equal(["hook Result", "slack:C1 Alert", "slack:C1 Result"], deliveries.Select(d => $"{d.Target} {d.Kind}"));
        Assert.All(deliveries, d =>
        {
            Assert.Equal((DeliveryStatus.Pending, 0, T0, T0, task.Id), (d.Status, d.Attempts, d.NextAttemptAt, d.CreatedAt, d.TaskId));
            Assert.StartsWith("d_", d.Id, StringComparison.Ordinal);
        });
        Assert.Equal("failed 3 runs in a row", deliveries[1].Note);
        Assert.Equal(T0, await Store.Deliveries.NextDueAsync(None));
    }

    [Fact]
    public async Task CompleteAsync_WritesNoDeliveries_WhenTheLeaseIsNoLongerHeld()
    {
        var task = await CreateTaskAsync();
        var run = await InsertRunAsync(task, T0);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.CompleteAsync(run.Id, 1, "node-b", c => Finish(c, RunStatus.Succeeded, T0) with { Deliveries = [new NewDelivery(Slack, DeliveryKind.Result)] }, [], None);

        Assert.Empty((await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id), None)).Items);
        Assert.Null(await Store.Deliveries.NextDueAsync(None));
    }

    [Fact]
    public async Task CompleteAsync_LeavesOutAnAlertWithACoolDown_WhenTheTaskHadOneToThatTargetThatRecently()
    {
        var task = await CreateTaskAsync();
        var hour = TimeSpan.FromHours(1);
        NewDelivery Alert(DeliveryTarget target) => new(target, DeliveryKind.Alert, "failing", hour);

        var first = await CompleteWithAsync(task, T0, Alert(Slack));
        var soon = await CompleteWithAsync(task, T0.AddMinutes(59), Alert(Slack), Alert(Hook), new NewDelivery(Slack, DeliveryKind.Alert, "paused"));
        var stillSoon = await CompleteWithAsync(task, T0.AddMinutes(61), Alert(Slack));
        var later = await CompleteWithAsync(task, T0.AddMinutes(120), Alert(Slack));

        Assert.Single((await Store.Deliveries.ListAsync(new DeliveryQuery(first.Id), None)).Items);
        Assert.Equal(["hook Alert", "slack:C1 Alert"], (await Store.Deliveries.ListAsync(new DeliveryQuery(soon.Id), None)).Items.Select(d => $"{d.Target} {d.Kind}").Order(StringComparer.Ordinal));
        Assert.Empty((await Store.Deliveries.ListAsync(new DeliveryQuery(stillSoon.Id), None)).Items);
        Assert.Single((await Store.Deliveries.ListAsync(new DeliveryQuery(later.Id), None)).Items);
    }

    [Fact]
    public async Task ClaimAsync_HandsEachDueDeliveryToOneClaimer_WithItsMessage()
    {
        var task = await CreateTaskAsync();
        var runs = new List<TaskRun>();
        for (var i = 0; i < 20; i++)
        {
            runs.Add(await CompleteWithAsync(task, T0.AddSeconds(i), new NewDelivery(Slack, DeliveryKind.Result)));
        }

        var other = await OpenMigratedAsync();
        var now = T0.AddSeconds(15);
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? Store : other).Deliveries.ClaimAsync($"node-{i}", now, now.AddMinutes(2), 3, [], None)));

        var claimed = claims.SelectMany(c => c).ToList();
        Assert.Equal(16, claimed.Count);
        Assert.Equal(claimed.Count, claimed.Select(c => c.Delivery.Id).Distinct().Count());
        Assert.Equal(runs.Take(16).Select(r => r.Id).Order(StringComparer.Ordinal), claimed.Select(c => c.Delivery.RunId).Order(StringComparer.Ordinal));
        Assert.All(claimed, c =>
        {
            Assert.Equal((1, now.AddMinutes(2)), (c.Delivery.Attempts, c.Delivery.NextAttemptAt));
            Assert.Equal((task.Id, task.Name, c.Delivery.RunId, "succeeded", "done"), (c.Result.TaskId, c.Result.TaskName, c.Result.RunId, c.Result.Status, c.Result.Output));
        });
        Assert.Empty(await Store.Deliveries.ClaimAsync("node-x", now, now.AddMinutes(2), 10, [], None));
        Assert.Equal(T0.AddSeconds(16), await Store.Deliveries.NextDueAsync(None));
    }

    [Fact]
    public async Task ClaimAsync_LeavesTheDeliveriesOfSkippedChannels_ByNameWithOrWithoutAPlace()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(
            task,
            T0,
            new NewDelivery(Slack, DeliveryKind.Result),
            new NewDelivery(new DeliveryTarget("slack", null, null), DeliveryKind.Result),
            new NewDelivery(new DeliveryTarget("slack_x", "C1", null), DeliveryKind.Result),
            new NewDelivery(Hook, DeliveryKind.Result));

        var claimed = await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 10, ["slack", "hook"], None);

        Assert.Equal(["slack_x:C1"], claimed.Select(c => c.Delivery.Target.ToString()));
        Assert.Equal(3, (await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 10, [], None)).Count);
        Assert.Equal(4, (await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id), None)).Items.Count);
    }

    [Fact]
    public async Task FinishTryAsync_WritesOnlyTheLatestTry_AndATryNeverEndedIsClaimedAgainWhenItsTimeIsUp()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result));
        var lost = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Delivery;
        Assert.Empty(await Store.Deliveries.ClaimAsync("node-b", T0.AddMinutes(1), T0.AddMinutes(3), 5, [], None));

        var retaken = Assert.Single(await Store.Deliveries.ClaimAsync("node-b", T0.AddMinutes(2), T0.AddMinutes(4), 5, [], None)).Delivery;

        Assert.Equal(2, retaken.Attempts);
        Assert.False(await Store.Deliveries.FinishTryAsync(lost, Delivered(T0.AddMinutes(2), "ts-lost"), None));
        Assert.True(await Store.Deliveries.FinishTryAsync(retaken, Delivered(T0.AddMinutes(3), "ts-1"), None));
        Assert.False(await Store.Deliveries.FinishTryAsync(retaken, Delivered(T0.AddMinutes(3), "ts-again"), None));
        var done = Assert.Single((await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id, DeliveryStatus.Delivered), None)).Items);
        Assert.Equal(("ts-1", T0.AddMinutes(3), 2, 1, (string?)null), (done.RemoteId, done.DeliveredAt, done.Attempts, done.ChunksSent, done.LeaseOwner));
        Assert.Null(await Store.Deliveries.NextDueAsync(None));
    }

    [Fact]
    public async Task FinishTryAsync_KeepsAFailedTryPendingUntilItsNextTry_OrDead()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result));
        var first = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Delivery;
        await Store.Deliveries.FinishTryAsync(first, new DeliveryDecision(DeliveryStatus.Pending, T0.AddMinutes(5), 2, "ts-first", "Slack answered 503", null), None);

        Assert.Empty(await Store.Deliveries.ClaimAsync("node-a", T0.AddMinutes(4), T0.AddMinutes(6), 5, [], None));
        var second = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0.AddMinutes(5), T0.AddMinutes(7), 5, [], None)).Delivery;
        Assert.Equal((2, 2, "ts-first", "Slack answered 503"), (second.Attempts, second.ChunksSent, second.RemoteId, second.LastError));
        await Store.Deliveries.FinishTryAsync(second, new DeliveryDecision(DeliveryStatus.Dead, T0.AddMinutes(5), 2, "ts-first", "channel_not_found", null), None);

        var dead = Assert.Single((await Store.Deliveries.ListAsync(new DeliveryQuery(Status: DeliveryStatus.Dead), None)).Items);
        Assert.Equal((run.Id, "channel_not_found"), (dead.RunId, dead.LastError));
        Assert.Null(await Store.Deliveries.NextDueAsync(None));
    }

    [Fact]
    public async Task FinishTryAsync_FencesOutATryFromBeforeAManualRetry_WhoseCountMatchesAgain()
    {
        // The sender names each claim (node/claim), so a try from before a retry that reset the count cannot pass the fence.
        var task = await CreateTaskAsync();
        await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result));
        var stale = Assert.Single(await Store.Deliveries.ClaimAsync("node-a/claim-1", T0, T0.AddMinutes(2), 5, [], None)).Delivery;
        Assert.True(await Store.Deliveries.FinishTryAsync(stale, new DeliveryDecision(DeliveryStatus.Dead, T0, 0, null, "gone", null), None));
        await Store.Deliveries.RetryAsync(stale.Id, T0.AddMinutes(1), None);
        var fresh = Assert.Single(await Store.Deliveries.ClaimAsync("node-a/claim-2", T0.AddMinutes(1), T0.AddMinutes(3), 5, [], None)).Delivery;

        Assert.Equal(stale.Attempts, fresh.Attempts);
        Assert.False(await Store.Deliveries.FinishTryAsync(stale, Delivered(T0.AddMinutes(1), "stale"), None));
        Assert.True(await Store.Deliveries.FinishTryAsync(fresh, Delivered(T0.AddMinutes(2), "fresh"), None));
        Assert.Equal("fresh", (await Store.Deliveries.FindAsync(fresh.Id, None))!.RemoteId);
    }

    [Fact]
    public async Task RecordProgressAsync_KeepsHowFarTheLatestTryGot_AndTheOutcomeNeverTakesItBack()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result));
        var lost = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Delivery;
        Assert.True(await Store.Deliveries.RecordProgressAsync(lost, new ChunkCursor(2, "ts-1"), None));

        var retaken = Assert.Single(await Store.Deliveries.ClaimAsync("node-b", T0.AddMinutes(2), T0.AddMinutes(4), 5, [], None)).Delivery;

        Assert.Equal((2, "ts-1"), (retaken.ChunksSent, retaken.RemoteId));
        Assert.False(await Store.Deliveries.RecordProgressAsync(lost, new ChunkCursor(3, "ts-1"), None));
        Assert.True(await Store.Deliveries.RecordProgressAsync(retaken, new ChunkCursor(4, "ts-9"), None));
        // A try that timed out knows no count of its own: the kept one stays.
        await Store.Deliveries.FinishTryAsync(retaken, new DeliveryDecision(DeliveryStatus.Pending, T0.AddMinutes(5), 0, null, "timed out", null), None);
        var kept = Assert.Single((await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id), None)).Items);
        Assert.Equal((4, "ts-1"), (kept.ChunksSent, kept.RemoteId));
    }

    [Fact]
    public async Task RetryAsync_MakesADeadDeliveryDueNow_AndRefusesADeliveredOneOrOneInATry()
    {
        var task = await CreateTaskAsync();
        await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result), new NewDelivery(Hook, DeliveryKind.Result));
        var claimed = (await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Select(c => c.Delivery).ToList();
        var dead = claimed.Single(d => d.Target == Slack);
        var delivered = claimed.Single(d => d.Target == Hook);
        await Store.Deliveries.FinishTryAsync(dead, new DeliveryDecision(DeliveryStatus.Dead, T0, 0, null, "invalid_auth", null), None);
        await Store.Deliveries.FinishTryAsync(delivered, Delivered(T0, null), None);

        var retried = await Store.Deliveries.RetryAsync(dead.Id, T0.AddHours(1), None);

        Assert.Equal((DeliveryStatus.Pending, 0, T0.AddHours(1)), (retried!.Status, retried.Attempts, retried.NextAttemptAt));
        Assert.Equal(dead.Id, Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0.AddHours(1), T0.AddHours(1).AddMinutes(2), 5, [], None)).Delivery.Id);
        await Assert.ThrowsAsync<ConflictException>(() => Store.Deliveries.RetryAsync(dead.Id, T0.AddHours(1), None));
        await Assert.ThrowsAsync<ConflictException>(() => Store.Deliveries.RetryAsync(delivered.Id, T0.AddHours(1), None));
        Assert.Null(await Store.Deliveries.RetryAsync("d_missing", T0, None));
        Assert.Equal(dead.Id, (await Store.Deliveries.FindAsync(dead.Id, None))!.Id);
    }

    [Fact]
    public async Task FinishTryAsync_MovesTheTaskAndItsRunsFollowUpsIntoTheThreadAPostStarted_WithTheChatsSessions()
    {
        var task = NewTask() with { Thread = new ThreadAnchor("slack", "C1", null), Agent = new AgentSelection { Provider = "claudecode" } };
        await Store.Tasks.CreateAsync(task, null, None);
        var anchored = NewTask() with { Thread = new ThreadAnchor("slack", "C1", "T-other") };
        await Store.Tasks.CreateAsync(anchored, null, None);
        var run = await InsertRunAsync(task, T0);
        await ClaimOneAsync("node-a", T0);
        var followUp = NewTask() with { Thread = task.Thread, CreatedByRun = run.Id };
        await Store.Tasks.CreateFollowUpAsync(followUp, null, 5, None);
        var elsewhere = NewTask() with { Thread = new ThreadAnchor("slack", "C2", null), CreatedByRun = run.Id };
        await Store.Tasks.CreateFollowUpAsync(elsewhere, null, 5, None);
        await Store.Runs.CompleteAsync(
            run.Id,
            1,
            "node-a",
            c => Finish(c, RunStatus.Succeeded, T0, "done") with
            {
                Session = new ThreadSession("slack:C1", "claudecode", "sess-1", T0),
                Deliveries = [new NewDelivery(DeliveryTarget.Of(task.Thread!), DeliveryKind.Result)],
            },
            [],
            None);
        var claimed = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Delivery;

        await Store.Deliveries.FinishTryAsync(claimed, Delivered(T0, "1700.01") with { StartedThread = new ThreadAnchor("slack", "C1", "1700.01") }, None);

        Assert.Equal("slack:C1:1700.01", (await Store.Tasks.FindAsync(task.Id, None))!.Thread?.ToString());
        Assert.Equal("slack:C1:1700.01", (await Store.Tasks.FindAsync(followUp.Id, None))!.Thread?.ToString());
        Assert.Equal("slack:C2", (await Store.Tasks.FindAsync(elsewhere.Id, None))!.Thread?.ToString());
        Assert.Equal("slack:C1:T-other", (await Store.Tasks.FindAsync(anchored.Id, None))!.Thread?.ToString());
        Assert.Equal("sess-1", (await Store.Threads.FindSessionAsync("slack:C1:1700.01", "claudecode", None))?.SessionId);
    }

    [Fact]
    public async Task PruneAsync_KeepsARunWhileADeliveryOfItIsPending_AndThenDeletesItsDeliveriesWithIt()
    {
        var task = await CreateTaskAsync();
        var run = await CompleteWithAsync(task, T0, new NewDelivery(Slack, DeliveryKind.Result));

        Assert.Equal(0, await Store.Runs.PruneAsync(T0.AddDays(1), 1000, 100, None));
        var claimed = Assert.Single(await Store.Deliveries.ClaimAsync("node-a", T0, T0.AddMinutes(2), 5, [], None)).Delivery;
        await Store.Deliveries.FinishTryAsync(claimed, Delivered(T0, "ts"), None);
        Assert.Equal(1, await Store.Runs.PruneAsync(T0.AddDays(1), 1000, 100, None));

        Assert.Empty((await Store.Deliveries.ListAsync(new DeliveryQuery(run.Id), None)).Items);
        Assert.Null(await Store.Runs.FindAsync(run.Id, None));
    }

    private static DeliveryDecision Delivered(DateTimeOffset at, string? remoteId) => new(DeliveryStatus.Delivered, at, 1, remoteId, null, at);

    /// <summary>Runs a fresh run of <paramref name="task"/> to success at <paramref name="at"/>, writing <paramref name="deliveries"/> with it.</summary>
    private async Task<TaskRun> CompleteWithAsync(AgentTask task, DateTimeOffset at, params NewDelivery[] deliveries)
    {
        var run = await InsertRunAsync(task, at);
        var claimed = await ClaimOneAsync("node-run", at);
        Assert.Equal(run.Id, claimed.Run.Id);
        await Store.Runs.CompleteAsync(run.Id, 1, "node-run", c => Finish(c with { Run = c.Run with { StartedAt = at } }, RunStatus.Succeeded, at, "done") with { Deliveries = deliveries }, [], None);
        return run;
    }
}
