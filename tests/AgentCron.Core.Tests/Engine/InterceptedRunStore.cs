using System.Reflection;
using AgentCron.Core.Ports;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

/// <summary>What a test puts between the engine and a call on its runs: the method called, and the real call.</summary>
internal delegate object? RunStoreInterceptor(MethodInfo method, Func<object?> proceed);

/// <summary>
/// The engine's view of a store whose runs are not instant: each call on <see cref="IAgentCronStore.Runs"/> first moves
/// the fake clock by a round trip (time passes while the engine talks to its store, as it does against a database
/// server), then goes through the test's interceptor, if any (to answer as a store under contention would).
/// </summary>
public class InterceptedRunStore : DispatchProxy
{
    private IRunStore _inner = null!;
    private FakeTimeProvider _time = null!;
    private TimeSpan _roundTrip;
    private RunStoreInterceptor? _intercept;

    internal static IAgentCronStore Wrap(IAgentCronStore store, FakeTimeProvider time, TimeSpan roundTrip, RunStoreInterceptor? intercept)
    {
        var runs = Create<IRunStore, InterceptedRunStore>();
        var proxy = (InterceptedRunStore)(object)runs;
        (proxy._inner, proxy._time, proxy._roundTrip, proxy._intercept) = (store.Runs, time, roundTrip, intercept);
        return new WithRuns(store, runs);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (_roundTrip > TimeSpan.Zero)
        {
            _time.Advance(_roundTrip);
        }

        object? Proceed() => targetMethod!.Invoke(_inner, args);
        return _intercept is { } intercept ? intercept(targetMethod!, Proceed) : Proceed();
    }

    /// <summary><paramref name="store"/> with its runs replaced.</summary>
    private sealed class WithRuns(IAgentCronStore store, IRunStore runs) : IAgentCronStore
    {
        public ITaskStore Tasks => store.Tasks;

        public IRunStore Runs => runs;

        public IRunLogStore Logs => store.Logs;

        public IThreadStore Threads => store.Threads;

        public INodeStore Nodes => store.Nodes;

        public IDeliveryStore Deliveries => store.Deliveries;

        public IStoreChangeFeed? Changes => store.Changes;

        public Task MigrateAsync(CancellationToken cancellationToken) => store.MigrateAsync(cancellationToken);

        // The harness disposes the real store itself.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
