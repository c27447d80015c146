using System.Reflection;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>
/// A store whose runs answer only after a round trip on the fake clock: each call on <see cref="IAgentCronStore.Runs"/>
/// first moves the clock by the round trip, then calls the real store. Time passes while the engine talks to its store,
/// as it does against a database server, so a test can catch logic that reads the clock twice and assumes it stood still.
/// </summary>
public class SlowRunStore : DispatchProxy
{
    private IRunStore _inner = null!;
    private FakeTimeProvider _time = null!;
    private TimeSpan _roundTrip;

    public static IAgentCronStore Wrap(IAgentCronStore store, FakeTimeProvider time, TimeSpan roundTrip)
    {
        var runs = Create<IRunStore, SlowRunStore>();
        var slow = (SlowRunStore)(object)runs;
        (slow._inner, slow._time, slow._roundTrip) = (store.Runs, time, roundTrip);
        return new WithRuns(store, runs);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        _time.Advance(_roundTrip);
        return targetMethod!.Invoke(_inner, args);
    }

    /// <summary><paramref name="store"/> with its runs replaced.</summary>
    private sealed class WithRuns(IAgentCronStore store, IRunStore runs) : IAgentCronStore
    {
        public ITaskStore Tasks => store.Tasks;

        public IRunStore Runs => runs;

        public IRunLogStore Logs => store.Logs;

        public IThreadStore Threads => store.Threads;

        public INodeStore Nodes => store.Nodes;

        public IStoreChangeFeed? Changes => store.Changes;

        public Task MigrateAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

        // The harness disposes the real store itself.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
