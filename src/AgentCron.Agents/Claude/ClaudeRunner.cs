using AgentCron.Agents.Command;
using AgentCron.Agents.Processes;
using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Claude;

/// <summary>
/// Runs Claude Code non-interactively: <c>claude -p --output-format stream-json --verbose [--model M] [--resume ID]</c>
/// with the prompt on stdin, parsing its JSON lines live into the run log (<see cref="ClaudeStream"/>). The final text,
/// session id, model, tokens and cost come from its <c>result</c> record. Tools that need permission are refused in
/// this mode unless the task's <c>agent.permissions</c> allows them (edit: file tools; full: also Bash).
/// </summary>
/// <param name="options">The runner's settings.</param>
/// <param name="mcpServer">How to start <c>agentcron mcp</c> (program and arguments), offered to Claude Code as an MCP server.</param>
public sealed class ClaudeRunner(ClaudeOptions options, IReadOnlyList<string>? mcpServer = null) : IAgentRunner
{
    public string Provider => "claudecode";

    public IReadOnlyList<string> Aliases { get; } = ["claude"];

    private string NotInstalled =>
        $"Claude Code is not installed here: '{options.Executable}' is not an executable file or on PATH. Install it with 'npm install -g @anthropic-ai/claude-code', or set Agents:Claude:Executable to its path";

    public void Validate(AgentSelection agent)
    {
        if (agent.Command is not null)
        {
            throw new InvalidFieldException("agent.command", "is only for the command agent; the claudecode agent runs the task's instructions (and agent.model, if given)");
        }
    }

    public async Task<AgentInfo> DescribeAsync(CancellationToken cancellationToken)
    {
        if (Executables.Find(options.Executable, Environment.CurrentDirectory) is not { } claude)
        {
            return new AgentInfo(false, null, null, NotInstalled);
        }

        var version = await ProgramVersion.ReadAsync(claude, cancellationToken);
        return new AgentInfo(version is not null, claude, version, version is null ? $"'{claude} --version' did not answer" : "Claude Code, print mode with stream-json");
    }

    public async Task<RunnerResult> RunAsync(RunRequest request, IRunLogWriter log, CancellationToken cancellationToken)
    {
        if (Executables.Find(options.Executable, request.WorkingDirectory) is not { } claude)
        {
            return new RunnerResult(false, null, null, NotInstalled);
        }

        List<string> args = ["-p", "--output-format", "stream-json", "--verbose"];
        if (request.Task.Agent.Model is { } model)
        {
            args.AddRange(["--model", model]);
        }

        if (request.ResumeSessionId is { } session)
        {
            args.AddRange(["--resume", session]);
        }

        List<string> allowed = AllowedTools(request.Task.Agent.Permissions) is { } tools ? [tools] : [];

        // AgentCron's own MCP tools (scheduling with the run's token): allowed at every posture, since they neither edit
        // files nor run commands. The MCP server inherits the run's environment (AGENTCRON_URL, _TOKEN, _THREAD).
        if (options.Mcp && mcpServer is { Count: > 0 })
        {
            var config = System.Text.Json.JsonSerializer.Serialize(new { mcpServers = new { agentcron = new { command = mcpServer[0], args = mcpServer.Skip(1) } } });
            args.AddRange(["--mcp-config", config]);
            allowed.Add("mcp__agentcron");
        }

        if (allowed.Count > 0)
        {
            args.AddRange(["--allowedTools", string.Join(',', allowed)]);
        }

        // Only an agent that may run commands can act on the scheduling section; telling the others would mislead them.
        if (request.Task.Agent.Permissions == AgentPermissions.Full && request.SchedulingPrompt is { } scheduling)
        {
            args.AddRange(["--append-system-prompt", scheduling]);
        }

        // Headless runs need no update checks or telemetry; a setting in the daemon's environment (inherited) wins.
        var environment = new Dictionary<string, string>(request.Environment);
        if (Environment.GetEnvironmentVariable("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC") is null)
        {
            environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        }

        foreach (var (name, value) in options.Environment)
        {
            environment[name] = value;
        }

        var stream = new ClaudeStream(log);
        var exit = await AgentProcess.RunAsync(
            claude,
            args,
            request with { Environment = environment },
            request.Task.Instructions,
            log,
            stream.Handle,
            line => log.Write("stderr", new { text = line }),
            cancellationToken);

        if (stream.Result is not { } result)
        {
            return new RunnerResult(false, exit.ExitCode, null, $"Claude Code ended without a result; {AgentProcess.Describe(exit)}", stream.SessionId, stream.Model);
        }

        var succeeded = !result.IsError && exit.ExitCode == 0;
        return new RunnerResult(
            succeeded,
            exit.ExitCode,
            result.Text,
            succeeded ? null : $"Claude Code failed ({result.Subtype}): {result.Text ?? AgentProcess.Describe(exit)}",
            stream.SessionId,
            stream.Model,
            result.Usage);
    }

    /// <summary>
    /// The posture as Claude Code's allow-list: read-only adds nothing (in print mode tools that need permission are
    /// refused); edit allows the file tools; full also allows Bash. (--dangerously-skip-permissions is refused as root.)
    /// </summary>
    private static string? AllowedTools(AgentPermissions? permissions) => permissions switch
    {
        AgentPermissions.Edit => "Edit,Write,NotebookEdit",
        AgentPermissions.Full => "Bash,Edit,Write,NotebookEdit",
        _ => null,
    };
}
