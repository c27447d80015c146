using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using static AgentCron.Core.Tests.Engine.EngineData;

namespace AgentCron.Core.Tests.Engine;

public class DeliveryPolicyTests
{
    private static readonly DateTimeOffset Now = T0.AddMinutes(3);

    private static readonly DeliveryOptions Settings = new() { RetryBaseDelay = TimeSpan.FromSeconds(30), RetryMaxDelay = TimeSpan.FromMinutes(10), MaxAttempts = 4, AlertAfterFailures = 3 };

    private static readonly DeliveryPolicy Policy = new(
        new DeliveryChannels([new RecordingChannel("team", "slack", startsThreads: true), new RecordingChannel("hook", "webhook"), new RecordingChannel("ops", "discord"), new RecordingChannel("ops2", "discord")]),
        Settings);

    private static AgentTask Anchored(string? thread, params string[] deliver) => Task(Cron("0 * * * *"), T0.AddHours(1), new TaskPolicies { Retries = 0, MaxConsecutiveFailures = 2 }) with
    {
        Thread = thread is null ? null : ThreadAnchor.Parse(thread, "thread"),
        Deliver = [.. deliver.Select(d => DeliveryTarget.Parse(d, "deliver"))],
    };

    [Theory]
    [InlineData("slack:C1:T1", new[] { "hook" }, new[] { "slack:C1:T1", "hook" })]
    [InlineData("team:C1", new[] { "slack:C1", "team:C2", "hook" }, new[] { "team:C1", "team:C2", "hook" })]
    [InlineData("telegram:42", new[] { "hook", "hook" }, new[] { "hook" })]
    [InlineData("discord:C1", new string[0], new string[0])]
    [InlineData(null, new[] { "team:C1:T9" }, new[] { "team:C1:T9" })]
    public void Targets_AreTheServedThreadAndTheDeliverTargets_TheThreadsOwnChatOnce(string? thread, string[] deliver, string[] expected)
    {
        // No channel serves telegram; two serve discord (ops, ops2), so "discord" names none.
        Assert.Equal(expected, Policy.Targets(Anchored(thread, deliver)).Select(t => t.ToString()));
    }

    [Fact]
    public void Add_WritesTheResultToEveryTarget_ForARunThatRanAndEnded()
    {
        var claimed = Running(Anchored("slack:C1:T1", "hook"));
        var completion = Policy.Add(CompletionPolicy.Decide(claimed, new AttemptOutcome(RunStatus.Succeeded, null, null), Now, Options, new Random(1)), claimed.Task);

        Assert.Equal(["slack:C1:T1 Result", "hook Result"], completion.Deliveries.Select(d => $"{d.Target} {d.Kind}"));
    }

    [Fact]
    public void Add_WritesNothing_ForARunGoingBackToTheQueueOrCancelledBeforeItStarted()
    {
        var task = Anchored("slack:C1:T1") with { Policies = new TaskPolicies { Retries = 2 } };
        var retried = CompletionPolicy.Decide(Running(task), new AttemptOutcome(RunStatus.Failed, null, "exit 1"), Now, Options, new Random(1));
        var queued = Running(task).Run with { Status = RunStatus.Queued, StartedAt = null };
        var cancelled = CompletionPolicy.Decide(new ClaimedRun(queued, task), new AttemptOutcome(RunStatus.Cancelled, null, "cancelled"), Now, Options, new Random(1));

        Assert.Empty(Policy.Add(retried, task).Deliveries);
        Assert.Empty(Policy.Add(cancelled, task).Deliveries);
    }

    [Fact]
    public void Add_AlertsWithACoolDown_FromTheConfiguredNumberOfFailuresInARow()
    {
        var task = Anchored("slack:C1:T1") with { Policies = new TaskPolicies { Retries = 0, MaxConsecutiveFailures = 0 } };
        var failures = Enumerable.Range(1, 4).Select(n => Policy.Add(
            CompletionPolicy.Decide(Running(task with { ConsecutiveFailures = n - 1 }), new AttemptOutcome(RunStatus.Failed, null, "exit 1"), Now, Options, new Random(1)),
            task)).ToList();

        Assert.Equal([0, 0, 1, 1], failures.Select(c => c.Deliveries.Count(d => d.Kind == DeliveryKind.Alert)));
        var alert = failures[2].Deliveries.Single(d => d.Kind == DeliveryKind.Alert);
        Assert.Equal(("failed 3 runs in a row", TimeSpan.FromHours(1)), (alert.Note, alert.CoolDown));
    }

    [Fact]
    public void Add_AlertsWithoutCoolDown_WhenTheRunPausedTheTask()
    {
        var task = Anchored("slack:C1:T1", "hook") with { ConsecutiveFailures = 1 };
        var paused = Policy.Add(CompletionPolicy.Decide(Running(task), new AttemptOutcome(RunStatus.Failed, null, "exit 1"), Now, Options, new Random(1)), task);

        Assert.Equal(TaskState.Paused, paused.Task.Status);
        var alerts = paused.Deliveries.Where(d => d.Kind == DeliveryKind.Alert).ToList();
        Assert.Equal(["slack:C1:T1", "hook"], alerts.Select(a => a.Target.ToString()));
        Assert.All(alerts, a => Assert.Equal(($"paused: {paused.Task.StatusReason}", (TimeSpan?)null), (a.Note, a.CoolDown)));
    }

    [Fact]
    public void AfterTry_RetriesWithBackoffOrTheReceiversLongerWait_AndIsDeadAfterTheLastTry()
    {
        var delivery = Pending(attempts: 2);

        var backoff = Policy.AfterTry(delivery, new SendResult(SendOutcome.Retry, "m1", "Slack answered 503", ChunksSent: 2), null, "C1", Now, new Random(3));
        var asked = Policy.AfterTry(delivery, new SendResult(SendOutcome.Retry, Error: "429", RetryAfter: TimeSpan.FromMinutes(5)), null, "C1", Now, new Random(3));
        var last = Policy.AfterTry(delivery with { Attempts = 4 }, new SendResult(SendOutcome.Retry, Error: "Slack answered 503"), null, "C1", Now, new Random(3));
        var final = Policy.AfterTry(delivery, new SendResult(SendOutcome.Failed, Error: "channel_not_found"), null, "C1", Now, new Random(3));

        Assert.Equal((DeliveryStatus.Pending, 2, "m1", "Slack answered 503"), (backoff.Status, backoff.ChunksSent, backoff.RemoteId, backoff.Error));
        Assert.InRange(backoff.NextAttemptAt - Now, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
        Assert.Equal(Now.AddMinutes(5), asked.NextAttemptAt);
        Assert.Equal((DeliveryStatus.Dead, "Slack answered 503 (gave up after 4 tries)"), (last.Status, last.Error));
        Assert.Equal((DeliveryStatus.Dead, "channel_not_found"), (final.Status, final.Error));
    }

    [Fact]
    public void AfterTry_NamesTheThreadAPostStarted_OnlyForAChannelThatStartsThreadsAndATargetWithoutOne()
    {
        var team = Policy.Channels.Find("team");
        var ops = Policy.Channels.Find("ops");
        var sent = new SendResult(SendOutcome.Delivered, "1700.01", ChunksSent: 3);

        var started = Policy.AfterTry(Pending(), sent, team, "C1", Now, new Random(3));
        var inThread = Policy.AfterTry(Pending() with { Target = new DeliveryTarget("team", "C1", "T1") }, sent, team, "C1", Now, new Random(3));
        var discord = Policy.AfterTry(Pending() with { Target = new DeliveryTarget("ops", "C1", null) }, sent, ops, "C1", Now, new Random(3));

        Assert.Equal((DeliveryStatus.Delivered, Now, "1700.01", 3), (started.Status, started.DeliveredAt, started.RemoteId, started.ChunksSent));
        Assert.Equal("team:C1:1700.01", started.StartedThread?.ToString());
        Assert.Null(inThread.StartedThread);
        Assert.Null(discord.StartedThread);
    }

    [Fact]
    public void AfterTry_KeepsTheFirstMessagesId_WhenAResumedTryReportsItsOwn()
    {
        var decision = Policy.AfterTry(Pending() with { RemoteId = "first", ChunksSent = 1 }, new SendResult(SendOutcome.Delivered, "third", ChunksSent: 3), null, "C1", Now, new Random(3));

        Assert.Equal(("first", 3), (decision.RemoteId, decision.ChunksSent));
    }

    [Theory]
    [InlineData(null, "team:C1:ts")]
    [InlineData("team:C1", "team:C1:ts")]
    [InlineData("team:C2", null)]
    [InlineData("team:C1:T0", null)]
    public void Recorded_MovesATaskWithoutAThreadOrOnlyTheChat_IntoTheStartedThread(string? thread, string? expected)
    {
        var task = Anchored(thread);

        Assert.Equal(expected, DeliveryPolicy.Recorded(task, new ThreadAnchor("team", "C1", "ts"))?.ToString());
    }

    private static Delivery Pending(int attempts = 1) => new()
    {
        Id = "d_test",
        RunId = "r_test",
        TaskId = "t_test",
        Target = new DeliveryTarget("team", "C1", null),
        Attempts = attempts,
        NextAttemptAt = Now,
        LeaseOwner = "node-test",
    };
}
