using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>Tasks, runs and options for the pure policy tests.</summary>
internal static class EngineData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly SchedulerOptions Options = new()
    {
        NodeId = "node-test",
        MisfireThreshold = TimeSpan.FromMinutes(1),
        MaxCatchUpRuns = 10,
        RetryBaseDelay = TimeSpan.FromSeconds(10),
        RetryMaxDelay = TimeSpan.FromMinutes(10),
    };

    public static readonly FakeTimeProvider Clock = new(T0);

    public static Trigger Every(TimeSpan interval, DateTimeOffset anchor) => new EveryTrigger(interval, anchor);

    public static Trigger Cron(string expression, string zone = "UTC") => Trigger.Create(TriggerKind.Cron, expression, zone, null);

    public static Trigger Window(string window, string zone = "UTC") => Trigger.Create(TriggerKind.Window, window, zone, null);

    public static AgentTask Task(Trigger? trigger, DateTimeOffset? nextFireAt, TaskPolicies? policies = null, TaskState status = TaskState.Active) => new()
    {
        Id = "t_test",
        Slug = "test",
        Name = "test",
        Instructions = "do it",
        Status = status,
        Trigger = trigger,
        NextFireAt = nextFireAt,
        Policies = policies ?? new TaskPolicies(),
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };

    public static PlanDecision Decide(AgentTask task, DateTimeOffset now, int queued = 0, int running = 0, SchedulerOptions? options = null, Random? random = null) =>
        PlanningPolicy.Decide(new PlanInput(task, queued, running), now, options ?? Options, random ?? new Random(7), Clock);

    /// <summary>A run of <paramref name="task"/> in attempt <paramref name="attempt"/>, running under a lease since <paramref name="started"/>.</summary>
    public static ClaimedRun Running(AgentTask task, int attempt = 1, RunTrigger trigger = RunTrigger.Schedule, DateTimeOffset? started = null) => new(
        new TaskRun
        {
            Id = "r_test",
            TaskId = task.Id,
            Occurrence = "sched:test",
            Trigger = trigger,
            ScheduledFor = started ?? T0,
            NotBefore = started ?? T0,
            Attempt = attempt,
            Status = RunStatus.Running,
            LeaseOwner = "node-test",
            LeaseExpiresAt = (started ?? T0).AddSeconds(30),
            StartedAt = started ?? T0,
            CreatedAt = started ?? T0,
            Host = "host",
            Pid = 42,
        },
        task);
}
