using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Bench;

/// <summary>An agent that does nothing and succeeds at once, so the benchmark measures the engine and the store only.</summary>
internal sealed class NoopRunner : IAgentRunner
{
    public const string Id = "noop";
    private static readonly RunnerResult Done = new(true, 0, "", null);
    private long _started;

    public string Provider => Id;

    public IReadOnlyList<string> Aliases { get; } = [];

    /// <summary>Attempts started since the runner was created.</summary>
    public long Started => Interlocked.Read(ref _started);

    public Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult(new AgentInfo(true, null, null, "in-process stand-in"));

    public void Validate(AgentSelection agent)
    {
    }

    public Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        return Task.FromResult(Done);
    }
}
