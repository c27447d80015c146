using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>
/// Runs one attempt of a task with one kind of agent. When <c>cancellationToken</c> fires (timeout, cancel, shutdown or a
/// lost lease) the runner must kill the agent's whole process tree and then throw <see cref="OperationCanceledException"/>;
/// it returns a result only when the agent ended by itself (a stop that arrives after that changes nothing).
/// </summary>
public interface IAgentRunner
{
    /// <summary>The canonical provider id, lower case (e.g. <c>command</c>, <c>claudecode</c>).</summary>
    string Provider { get; }

    /// <summary>Other names accepted for this provider (e.g. <c>claude</c>).</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>Checks a task's agent selection on create and update; throws <see cref="InvalidFieldException"/> under <c>agent.</c>.</summary>
    void Validate(AgentSelection agent);

    /// <summary>Whether this provider can run here: its program found or not, its version and path.</summary>
    Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Why no task of this provider can run here, saying how to fix it (an agent CLI that is not installed: the line that
    /// installs it), or null. Unlike <see cref="DescribeAsync"/> it starts no process, so every create and update asks
    /// it. The default, null, suits a provider with nothing to install.
    /// </summary>
    string? Unavailable() => null;

    Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken);
}

/// <summary>What this machine has of a provider.</summary>
/// <param name="Available">True when tasks with this provider can run here.</param>
/// <param name="Path">The program that runs, if the provider has one.</param>
/// <param name="Version">What the program says its version is.</param>
/// <param name="Note">For people: what it runs, or how to install it.</param>
public sealed record AgentInfo(bool Available, string? Path, string? Version, string Note);

/// <summary>Everything a runner needs for one attempt.</summary>
/// <param name="Run">The run, with the number of this attempt.</param>
/// <param name="Task">The task as it was when the run was claimed.</param>
/// <param name="WorkingDirectory">Where the agent process starts: the task's <c>agent.cwd</c>, or a folder of its own that <c>AgentProcess</c> makes when missing.</param>
/// <param name="Sandbox">What confines the agent's processes and what they may not see (<c>AgentProcess</c> applies it to every process).</param>
/// <param name="Environment">Variables to add to the agent's environment (<c>AGENTCRON_*</c>).</param>
/// <param name="ProcessStarted">Called with the agent's process as soon as it starts, so a daemon that takes the run over can kill it if this one dies.</param>
/// <param name="ResumeSessionId">The agent's native session to continue (<c>claude --resume</c>, …); null starts a new one.</param>
/// <param name="SchedulingPrompt">The system-prompt section on scheduling follow-ups (<see cref="Tasks.AgentPrompt"/>), for agents that can run commands.</param>
public sealed record RunRequest(
    TaskRun Run,
    AgentTask Task,
    string WorkingDirectory,
    Processes.RunSandbox Sandbox,
    IReadOnlyDictionary<string, string> Environment,
    Action<StartedProcess> ProcessStarted,
    string? ResumeSessionId = null,
    string? SchedulingPrompt = null);

/// <summary>An agent process as its runner saw it start.</summary>
/// <param name="Pid">Its process id, which leads the process group of everything the agent starts.</param>
/// <param name="Identity">Who that pid is (for a process group: the boot and its start time), checked before an orphan is killed; null where it cannot be told.</param>
public sealed record StartedProcess(int Pid, string? Identity);

/// <summary>What an attempt produced.</summary>
/// <param name="Succeeded">Decides between <c>succeeded</c> and <c>failed</c>.</param>
/// <param name="ExitCode">The agent process's exit code, if there was a process.</param>
/// <param name="Output">The agent's final answer (for the command agent: stdout).</param>
/// <param name="Error">Why it failed, in the agent's own words where possible.</param>
/// <param name="SessionId">The agent's native session id, to resume the conversation later.</param>
/// <param name="Model">The model the agent actually used.</param>
/// <param name="Usage">Tokens and cost, where the agent reports them.</param>
public sealed record RunnerResult(
    bool Succeeded,
    int? ExitCode,
    string? Output,
    string? Error,
    string? SessionId = null,
    string? Model = null,
    RunUsage? Usage = null);

/// <summary>Token usage and cost of one attempt as the agent reported them; null members were not reported.</summary>
public sealed record RunUsage(long? InputTokens, long? OutputTokens, decimal? CostUsd);

/// <summary>Appends entries to the current attempt's log. Never blocks on I/O; entries are flushed in order.</summary>
public interface IRunLogWriter
{
    /// <summary>Adds an entry; <paramref name="data"/> is serialised to a JSON object.</summary>
    void Write(string type, object data);
}
