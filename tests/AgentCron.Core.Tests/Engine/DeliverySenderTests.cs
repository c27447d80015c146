using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>The outbox sender on the fake clock: a run's result reaches each target once, however its channel answers.</summary>
public sealed class DeliverySenderTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly RecordingChannel _slack = new("slack", "slack", startsThreads: true);
    private readonly RecordingChannel _hook = new("hook", "webhook", defaultTo: null);

    private static DeliveryOptions Settings => new()
    {
        RetryBaseDelay = TimeSpan.FromSeconds(30),
        RetryMaxDelay = TimeSpan.FromMinutes(10),
        MaxAttempts = 3,
        PublicUrl = new Uri("https://agentcron.example/"),
    };

    private Task<EngineHarness> StartAsync(DeliveryOptions? options = null) =>
        EngineHarness.StartAsync(deliveries: new DeliveryPolicy(new DeliveryChannels([_slack, _hook]), options ?? Settings));

    [Fact]
    public async Task FinishedRun_IsDeliveredToEachTarget_OnceWithItsResultAndLink()
    {
        await using var engine = await StartAsync();
        var task = await engine.CreateTaskAsync(null, thread: "slack:C1:T1", deliver: ["hook"]);
        var run = await FinishAsync(engine, task, succeed: true);

        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        var deliveries = await SettledAsync(engine, run.Id, 2);

        var slack = Assert.Single(_slack.Messages);
        Assert.Equal(("C1", "T1", 0), (slack.To, slack.Thread, slack.From.Sent));
        Assert.Equal((task.Id, "engine test", run.Id, 1, "succeeded", "done"), (slack.Result.TaskId, slack.Result.TaskName, slack.Result.RunId, slack.Result.Attempt, slack.Result.Status, slack.Result.Output));
        Assert.Equal(new Uri($"https://agentcron.example/runs/{run.Id}"), slack.Result.RunUrl);
        var hook = Assert.Single(_hook.Messages);
        Assert.Equal(deliveries.Single(d => d.Target.Channel == "hook").Id, hook.DeliveryId);
        Assert.All(deliveries, d => Assert.Equal((DeliveryStatus.Delivered, 1, engine.Now), (d.Status, d.Attempts, d.DeliveredAt)));
        // Nothing is left to send.
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        Assert.Single(_slack.Messages);
    }

    [Fact]
    public async Task ChannelThatIsDown_DelaysOnlyItsOwnDelivery_WhichGoesOnFromTheChunkItStoppedAt()
    {
        _slack.Answer(
            _ => new SendResult(SendOutcome.Retry, "m-first", "Slack answered 503", ChunksSent: 2),
            _ => new SendResult(SendOutcome.Retry, Error: "could not reach Slack: ConnectionError"));
        await using var engine = await StartAsync();
        var task = await engine.CreateTaskAsync(null, new TaskPolicies { Retries = 0 }, thread: "slack:C1", deliver: ["hook"]);
        var run = await FinishAsync(engine, task, succeed: false);

        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        var waiting = await PendingAfterTriesAsync(engine, run.Id, "slack", 1);
        Assert.Equal(DeliveryStatus.Delivered, (await DeliveriesAsync(engine, run.Id)).Single(d => d.Target.Channel == "hook").Status);
        Assert.InRange(waiting.NextAttemptAt - engine.Now, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30));
        Assert.Equal((2, "m-first", "Slack answered 503"), (waiting.ChunksSent, waiting.RemoteId, waiting.LastError));

        engine.Time.Advance(waiting.NextAttemptAt - engine.Now);
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        waiting = await PendingAfterTriesAsync(engine, run.Id, "slack", 2);
        Assert.InRange(waiting.NextAttemptAt - engine.Now, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));

        engine.Time.Advance(waiting.NextAttemptAt - engine.Now);
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        var delivered = (await SettledAsync(engine, run.Id, 2)).Single(d => d.Target.Channel == "slack");

        Assert.Equal((3, "m-first"), (delivered.Attempts, delivered.RemoteId));
        var tries = _slack.Messages.ToList();
        Assert.Equal([(0, (string?)null), (2, "m-first"), (2, "m-first")], tries.Select(m => (m.From.Sent, m.From.FirstId)));
        Assert.Equal("failed", tries[0].Result.Status);
    }

    [Fact]
    public async Task TryThatRunsOutOfTime_GoesOnNextTimeFromTheLastChunkTheReceiverTook()
    {
        // The receiver takes two chunks, then never answers: the try runs into its timeout.
        _slack.Answer(m =>
        {
            m.From.Taken!(new ChunkCursor(1, "m-first")).GetAwaiter().GetResult();
            m.From.Taken!(new ChunkCursor(2, "m-first")).GetAwaiter().GetResult();
            return null;
        });
        await using var engine = await StartAsync(Settings with { TryTimeout = TimeSpan.FromMinutes(1) });
        var run = await FinishAsync(engine, await engine.CreateTaskAsync(null, deliver: ["slack:C1"]), succeed: true);

        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(_slack.Messages.Count == 1), Patience, "the first try");
        await engine.Time.WaitForTimerAsync(engine.Now + TimeSpan.FromMinutes(1), "the try's timeout");
        engine.Time.Advance(TimeSpan.FromMinutes(1));
        var waiting = await PendingAfterTriesAsync(engine, run.Id, "slack", 1);
        Assert.Equal((2, "m-first"), (waiting.ChunksSent, waiting.RemoteId));
        Assert.Contains("longer than", waiting.LastError, StringComparison.Ordinal);

        engine.Time.Advance(waiting.NextAttemptAt - engine.Now);
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        await SettledAsync(engine, run.Id, 1);

        Assert.Equal(new ChunkCursor(2, "m-first"), _slack.Messages.Last().From with { Taken = null });
    }

    [Fact]
    public async Task Delivery_IsDead_AfterItsLastTryOrAFinalAnswerOrWithoutAChannel()
    {
        _slack.Answer(_ => new SendResult(SendOutcome.Failed, Error: "Slack refused the message: channel_not_found"));
        _hook.Answer(_ => new SendResult(SendOutcome.Retry, Error: "the webhook answered 502"), _ => new SendResult(SendOutcome.Retry, Error: "the webhook answered 502"), _ => new SendResult(SendOutcome.Retry, Error: "the webhook answered 502"));
        await using var engine = await StartAsync();
        var task = await engine.CreateTaskAsync(null, thread: "slack:C404", deliver: ["hook", "gone:C1"]);
        var run = await FinishAsync(engine, task, succeed: true);

        for (var i = 0; i < 3; i++)
        {
            await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
            var hook = await PendingAfterTriesAsync(engine, run.Id, "hook", i + 1, orDead: i == 2);
            engine.Time.Advance(TimeSpan.FromMinutes(10));
        }

        var deliveries = await SettledAsync(engine, run.Id, 3);
        Assert.Equal(
            [
                ("gone:C1", DeliveryStatus.Dead, 1, "no channel is named 'gone'; configured: hook (webhook), slack (slack)"),
                ("hook", DeliveryStatus.Dead, 3, "the webhook answered 502 (gave up after 3 tries)"),
                ("slack:C404", DeliveryStatus.Dead, 1, "Slack refused the message: channel_not_found"),
            ],
            deliveries.OrderBy(d => d.Target.ToString(), StringComparer.Ordinal).Select(d => (d.Target.ToString(), d.Status, d.Attempts, d.LastError)));
    }

    [Fact]
    public async Task ChannelThatHangs_HoldsAtMostHalfTheSlots_AndTheOthersAreDeliveredMeanwhile()
    {
        _slack.Answer(_ => null, _ => null, _ => null, _ => null);
        await using var engine = await StartAsync(Settings with { Concurrency = 4 });
        var slackRuns = new List<TaskRun>();
        for (var i = 0; i < 4; i++)
        {
            slackRuns.Add(await FinishAsync(engine, await engine.CreateTaskAsync(null, deliver: ["slack:C1"]), succeed: true));
        }

        var hookRun = await FinishAsync(engine, await engine.CreateTaskAsync(null, deliver: ["hook"]), succeed: true);

        // Passes as the loop makes them, until the webhook's delivery is through while Slack holds every try it took.
        await Eventually.TrueAsync(
            async () =>
            {
                await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
                return (await DeliveriesAsync(engine, hookRun.Id)).Single().Status == DeliveryStatus.Delivered;
            },
            Patience,
            "the webhook's delivery while Slack hangs");
        Assert.Equal(2, _slack.Messages.Count);

        _slack.Release();
        await Eventually.TrueAsync(
            async () =>
            {
                await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
                engine.Time.Advance(TimeSpan.FromMinutes(1));
                return (await Task.WhenAll(slackRuns.Select(r => DeliveriesAsync(engine, r.Id)))).All(d => d.Single().Status == DeliveryStatus.Delivered);
            },
            Patience,
            "every Slack delivery once Slack answers");
    }

    [Fact]
    public async Task FirstPostToAChat_BecomesTheTasksThread_AndTheNextResultGoesIntoIt()
    {
        _slack.Answer(_ => new SendResult(SendOutcome.Delivered, "1700.01", ChunksSent: 1));
        await using var engine = await StartAsync();
        var task = await engine.CreateTaskAsync(null, thread: "slack:C1");

        var first = await FinishAsync(engine, task, succeed: true);
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        await SettledAsync(engine, first.Id, 1);
        Assert.Equal("slack:C1:1700.01", (await engine.TaskAsync(task.Id)).Thread?.ToString());

        var second = await FinishAsync(engine, task, succeed: true);
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        await SettledAsync(engine, second.Id, 1);

        Assert.Equal([null, "1700.01"], _slack.Messages.Select(m => m.Thread));
    }

    [Fact]
    public async Task TryOfADaemonThatDied_IsMadeAgainWhenItsTimeIsUp_AndDeliveredOnce()
    {
        await using var engine = await StartAsync(Settings with { TryTimeout = TimeSpan.FromMinutes(1) });
        var task = await engine.CreateTaskAsync(null, deliver: ["slack:C1"]);
        var run = await FinishAsync(engine, task, succeed: true);
        // Another daemon took the try and died in it.
        Assert.Single(await engine.Store.Deliveries.ClaimAsync("dead-node", engine.Now, engine.Now.AddMinutes(1.5), 10, [], CancellationToken.None));

        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
        Assert.Empty(_slack.Messages);
        engine.Time.Advance(TimeSpan.FromMinutes(1.5));
        await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);

        var delivered = Assert.Single(await SettledAsync(engine, run.Id, 1));
        Assert.Equal((2, "node-test"), (delivered.Attempts, engine.Options.NodeId));
        Assert.Single(_slack.Messages);
    }

    [Fact]
    public async Task FailingTask_AlertsItsTargets_AndOnceMoreWhenItIsPaused()
    {
        await using var engine = await StartAsync(Settings with { AlertAfterFailures = 1 });
        var task = await engine.CreateTaskAsync(EngineData.Cron("0 * * * *"), new TaskPolicies { Retries = 0, MaxConsecutiveFailures = 3 }, deliver: ["slack:C1"]);

        var runs = new List<TaskRun>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await FinishAsync(engine, task, succeed: false));
        }

        // Passes as the loop makes them (one channel takes at most half the slots at once).
        await Eventually.TrueAsync(
            async () =>
            {
                await engine.Scheduler.Deliveries.SendDueAsync(CancellationToken.None);
                return _slack.Messages.Count == 5;
            },
            Patience,
            "three results and two alerts");
        var alerts = _slack.Messages.Where(m => m.Result.Alert is not null).Select(m => (m.Result.RunId, m.Result.Alert)).ToList();
        Assert.Equal([(runs[0].Id, "failed 1 runs in a row"), (runs[2].Id, $"paused: {(await engine.TaskAsync(task.Id)).StatusReason}")], alerts.OrderBy(a => a.RunId, StringComparer.Ordinal));
    }

    /// <summary>Queues a run of <paramref name="task"/>, lets the test runner end it, and waits until its result is written.</summary>
    private static async Task<TaskRun> FinishAsync(EngineHarness engine, AgentTask task, bool succeed)
    {
        var run = await engine.RunNowAsync(task);
        Assert.Equal(1, await engine.DispatchAsync());
        var attempt = await engine.Runner.NextStartedAsync();
        if (succeed)
        {
            attempt.Succeed();
        }
        else
        {
            attempt.Result.TrySetResult(new RunnerResult(false, 1, "", "exit 1"));
        }

        await Eventually.TrueAsync(async () => (await engine.RunAsync(run.Id)).IsFinished, Patience, "the run's result to be written");
        await engine.WaitIdleAsync();
        return run;
    }

    private static async Task<List<Delivery>> DeliveriesAsync(EngineHarness engine, string runId) =>
        [.. (await engine.Store.Deliveries.ListAsync(new DeliveryQuery(runId), CancellationToken.None)).Items];

    /// <summary>Waits until the run has <paramref name="count"/> deliveries and none is in a try or waiting.</summary>
    private static Task<List<Delivery>> SettledAsync(EngineHarness engine, string runId, int count) =>
        Eventually.GetAsync(
            async () => await DeliveriesAsync(engine, runId) is { } all && all.Count == count && all.All(d => d.Status != DeliveryStatus.Pending) ? all : null,
            Patience,
            $"{count} deliveries of run {runId} to be delivered or dead");

    /// <summary>Waits until the try numbered <paramref name="tries"/> of the run's delivery through <paramref name="channel"/> has ended.</summary>
    private static Task<Delivery> PendingAfterTriesAsync(EngineHarness engine, string runId, string channel, int tries, bool orDead = false) =>
        Eventually.GetAsync(
            async () => (await DeliveriesAsync(engine, runId)).SingleOrDefault(d => d.Target.Channel == channel && d.Attempts == tries && d.LeaseOwner is null
                && (d.Status == DeliveryStatus.Pending || (orDead && d.Status == DeliveryStatus.Dead))),
            Patience,
            $"try {tries} through {channel} to end");
}
