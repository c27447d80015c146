using System.Text.Json;
using AgentCron.Agents.Cli;
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
public sealed class ClaudeRunner(ClaudeOptions options, IReadOnlyList<string>? mcpServer = null) : CliAgentRunner(options)
{
    public override string Provider => "claudecode";

    public override IReadOnlyList<string> Aliases { get; } = ["claude"];

    protected override string DisplayName => "Claude Code";

    protected override string DefaultExecutable => "claude";

    protected override string InstallHint => "npm install -g @anthropic-ai/claude-code";

    protected override string ConfigSection => "Agents:Claude";

    protected override string Mode => "print mode with stream-json";

    protected override CliInvocation Invocation(RunRequest request)
    {
        List<string> args = ["-p", "--output-format", "stream-json", "--verbose", .. ExtraArguments];
        args.AddRange(ModelAndSession(request, modelFlag: "--model"));

        List<string> allowed = AllowedTools(request.Task.Agent.Permissions) is { } tools ? [tools] : [];

        // AgentCron's own MCP tools (scheduling with the run's token): allowed at every posture, since they neither edit
        // files nor run commands. The MCP server inherits the run's environment (AGENTCRON_URL, _TOKEN, _THREAD).
        if (options.Mcp && mcpServer is { Count: > 0 })
        {
            var config = JsonSerializer.Serialize(new { mcpServers = new { agentcron = new { command = mcpServer[0], args = mcpServer.Skip(1) } } });
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

        // Headless runs need no update checks or telemetry.
        return new CliInvocation(args, request.Task.Instructions, DefaultVariables(("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")));
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) => new ClaudeStream(log);

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
