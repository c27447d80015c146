using AgentCron.Agents.Command;
using AgentCron.Agents.Processes;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Cli;

/// <summary>How to start one turn of an agent CLI.</summary>
/// <param name="Args">The arguments (no shell).</param>
/// <param name="Input">Written to the CLI's stdin (null: stdin is closed at once).</param>
/// <param name="Environment">Variables on top of the run's <c>AGENTCRON_*</c> ones and the runner's configured ones.</param>
/// <param name="SessionId">The session this turn names, when the runner chooses it (e.g. <c>goose run --name ID</c>); the CLI's own report wins.</param>
public sealed record CliInvocation(IReadOnlyList<string> Args, string? Input = null, IReadOnlyDictionary<string, string>? Environment = null, string? SessionId = null);

/// <summary>
/// What every agent-CLI runner shares: finding the program (or saying how to install it), <c>agentcron agents</c>'
/// description, the run's environment plus the configured one, running the CLI in its own process group with its
/// output parsed live (<see cref="IAgentStream"/>), and turning how the turn ended into the run's result. A runner
/// says only how to invoke its CLI and how to read what it prints.
/// </summary>
public abstract class CliAgentRunner(AgentCliOptions options) : IAgentRunner
{
    public abstract string Provider { get; }

    public virtual IReadOnlyList<string> Aliases => [];

    /// <summary>The CLI's name for people, e.g. "Claude Code".</summary>
    protected abstract string DisplayName { get; }

    /// <summary>The program's usual name on PATH, used when <see cref="AgentCliOptions.Executable"/> is empty.</summary>
    protected abstract string DefaultExecutable { get; }

    /// <summary>How to install the CLI, e.g. <c>npm install -g @openai/codex</c>.</summary>
    protected abstract string InstallHint { get; }

    /// <summary>The configuration section of this runner, e.g. <c>Agents:Codex</c>.</summary>
    protected abstract string ConfigSection { get; }

    /// <summary>What <c>agentcron agents</c> says it runs, e.g. "codex exec with JSONL events".</summary>
    protected abstract string Mode { get; }

    /// <summary>The configured executable or the usual one.</summary>
    protected string Executable => string.IsNullOrWhiteSpace(options.Executable) ? DefaultExecutable : options.Executable;

    /// <summary>The configured extra arguments (<see cref="AgentCliOptions.Arguments"/>), which each runner places where its CLI takes options.</summary>
    protected IReadOnlyList<string> ExtraArguments => options.Arguments;

    private string NotInstalled =>
        $"{DisplayName} is not installed here: '{Executable}' is not an executable file or on PATH. Install it with '{InstallHint}', or set {ConfigSection}:Executable to its path";

    public virtual void Validate(AgentSelection agent)
    {
        if (agent.Command is not null)
        {
            throw new InvalidFieldException("agent.command", $"is only for the command agent; the {Provider} agent runs the task's instructions (and agent.model, if given)");
        }
    }

    public string? Unavailable() => Executables.Find(Executable, Environment.CurrentDirectory) is null ? NotInstalled : null;

    public async Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken)
    {
        if (Executables.Find(Executable, Environment.CurrentDirectory) is not { } program)
        {
            return new AgentInfo(false, null, null, NotInstalled);
        }

        var version = await ProgramVersion.ReadAsync(program, cancellationToken);
        return new AgentInfo(version is not null, program, version, version is null ? $"'{program} --version' did not answer" : $"{DisplayName}, {Mode}");
    }

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        if (Executables.Find(Executable, request.WorkingDirectory) is not { } program)
        {
            return new RunnerResult(false, null, null, NotInstalled);
        }

        var invocation = Invocation(request);
        var environment = new Dictionary<string, string>(request.Environment);
        foreach (var (name, value) in invocation.Environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        foreach (var (name, value) in options.Environment)
        {
            environment[name] = value;
        }

        var stream = NewStream(request, log);
        var exit = await AgentProcess.RunAsync(
            program,
            invocation.Args,
            request with { Environment = environment },
            invocation.Input,
            log,
            stream.Handle,
            line => log.Write("stderr", new { text = line }),
            cancellationToken);

        var sessionId = stream.SessionId ?? invocation.SessionId;
        if (stream.Outcome is not { } outcome)
        {
            return new RunnerResult(false, exit.ExitCode, null, $"{DisplayName} ended without a result; {AgentProcess.Describe(exit)}", sessionId, stream.Model);
        }

        // An answer followed by a failing exit is explained by the exit (code and stderr), not by the answer.
        var succeeded = !outcome.IsError && exit.ExitCode == 0;
        return new RunnerResult(
            succeeded,
            exit.ExitCode,
            outcome.Text,
            succeeded ? null : $"{DisplayName} failed: {(outcome.IsError ? outcome.Text : null) ?? AgentProcess.Describe(exit)}",
            sessionId,
            stream.Model,
            outcome.Usage);
    }

    /// <summary>The arguments, stdin and extra environment of one turn (new, or resuming <see cref="RunRequest.ResumeSessionId"/>).</summary>
    protected abstract CliInvocation Invocation(RunRequest request);

    /// <summary>
    /// A reader for one turn's output. Most readers need only the log; the request is there for those that do (e.g. Codex
    /// reports a resumed session's running totals, so its reader needs the totals before this turn).
    /// </summary>
    protected abstract IAgentStream NewStream(RunRequest request, IRunLogWriter log);

    /// <summary>
    /// The <paramref name="defaults"/> that the daemon's own environment (which the CLI inherits) does not set: the
    /// runner's choices for headless runs (e.g. no telemetry) that whoever runs the daemon can still override.
    /// </summary>
    protected static Dictionary<string, string> DefaultVariables(params IEnumerable<(string Name, string Value)> defaults) =>
        defaults.Where(d => Environment.GetEnvironmentVariable(d.Name) is null).ToDictionary(d => d.Name, d => d.Value);

    /// <summary>
    /// The task's model and the session to resume as flags (<c>-m M --resume ID</c>), each only when there is one: the
    /// way most agent CLIs take them.
    /// </summary>
    protected static IEnumerable<string> ModelAndSession(RunRequest request, string modelFlag = "-m", string resumeFlag = "--resume")
    {
        if (request.Task.Agent.Model is { } model)
        {
            yield return modelFlag;
            yield return model;
        }

        if (request.ResumeSessionId is { } session)
        {
            yield return resumeFlag;
            yield return session;
        }
    }

    /// <summary>
    /// The prompt with the scheduling section in front, for CLIs that have no way to add to their system prompt: only an
    /// agent that may run commands can act on it, so the others are not told.
    /// </summary>
    protected static string PromptWithScheduling(RunRequest request) =>
        request.Task.Agent.Permissions == AgentPermissions.Full && request.SchedulingPrompt is { } scheduling
            ? $"{scheduling}\n\n---\n\n{request.Task.Instructions}"
            : request.Task.Instructions;
}
