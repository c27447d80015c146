using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;
using AgentCron.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentCron.Core.Tests.Engine;

public class PlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PlanOnceAsync_PausesOnlyTheBrokenTaskWithReason_WhenItsScheduleCannotBeComputed()
    {
        var time = new FakeTimeProvider(Now);
        var broken = Task("broken", new ThrowingTrigger());
        var healthy = Task("healthy", new AtTrigger(Now));
        var tasks = new CapturingTaskStore([broken, healthy]);
        var planner = new Planner(new Store(tasks), new SchedulerOptions(), time, NullLogger.Instance, new EngineHealth(time), () => { });

        var inserted = await planner.PlanOnceAsync(CancellationToken.None);

        Assert.Equal(1, inserted);
        var pause = tasks.Decisions["broken"];
        Assert.Equal(TaskState.Paused, pause.Status);
        Assert.Null(pause.NextFireAt);
        Assert.Contains("could not be computed (the zone database is gone)", pause.StatusReason, StringComparison.Ordinal);
        Assert.Single(tasks.Decisions["healthy"].NewRuns);
    }

    private static AgentTask Task(string id, Trigger trigger) => new()
    {
        Id = id,
        Slug = id,
        Name = id,
        Instructions = "x",
        Trigger = trigger,
        NextFireAt = Now,
    };

    private sealed record ThrowingTrigger : Trigger
    {
        public override TriggerKind Kind => TriggerKind.Cron;
        public override string Expression => "* * * * *";
        public override DateTimeOffset? NextAfter(DateTimeOffset after) => throw new InvalidOperationException("the zone database is gone");
        public override string Describe() => "broken";
    }

    /// <summary>Hands the due tasks to the planner's callback once, as a store would inside its transaction, and keeps the decisions.</summary>
    private sealed class CapturingTaskStore(IReadOnlyList<AgentTask> due) : ITaskStore
    {
        private bool _planned;

        public Dictionary<string, PlanDecision> Decisions { get; } = [];

        public Task<DateTimeOffset?> NextFireAtAsync(CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<DateTimeOffset?>(_planned || due.Count == 0 ? null : Now);

        public Task<PlanResult> PlanDueAsync(DateTimeOffset now, int limit, Func<PlanInput, PlanDecision> plan, CancellationToken cancellationToken)
        {
            _planned = true;
            foreach (var task in due)
            {
                Decisions[task.Id] = plan(new PlanInput(task, 0, 0));
            }

            return System.Threading.Tasks.Task.FromResult(new PlanResult(due.Count, Decisions.Values.Sum(d => d.NewRuns.Count)));
        }

        public Task CreateAsync(AgentTask task, TaskRun? firstRun, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task CreateFollowUpAsync(AgentTask task, TaskRun? firstRun, int maxPerRun, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<AgentTask?> FindAsync(string idOrSlug, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<Page<AgentTask>> ListAsync(TaskQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<AgentTask> UpdateAsync(string id, long? expectedVersion, Func<AgentTask, AgentTask> change, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class Store(ITaskStore tasks) : IAgentCronStore
    {
        public ITaskStore Tasks => tasks;
        public IRunStore Runs => throw new NotSupportedException();
        public IRunLogStore Logs => throw new NotSupportedException();
        public IThreadStore Threads => throw new NotSupportedException();
        public INodeStore Nodes => throw new NotSupportedException();
        public IDeliveryStore Deliveries => throw new NotSupportedException();
        public IStoreChangeFeed? Changes => null;
        public Task MigrateAsync(CancellationToken cancellationToken) => System.Threading.Tasks.Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
