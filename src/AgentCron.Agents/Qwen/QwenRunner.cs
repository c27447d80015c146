using AgentCron.Agents.Claude;
using AgentCron.Agents.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Qwen;

/// <summary>
/// Runs Qwen Code headless: <c>qwen --output-format stream-json --approval-mode MODE [-m M] [--resume ID]</c> with the
/// prompt on stdin. Qwen Code prints Claude Code's stream-json records, so <see cref="ClaudeStream"/> reads them; its
/// result record counts the whole session (and side requests such as memory extraction), so the run's tokens are
/// summed from this turn's assistant messages instead. The posture is always passed as an approval mode, so a user's
/// own <c>tools.approvalMode</c> setting cannot widen it: in headless mode Qwen Code refuses the tools a mode does not
/// approve.
/// </summary>
public sealed class QwenRunner(AgentCliOptions options) : CliAgentRunner(options)
{
    public override string Provider => "qwen";

    public override IReadOnlyList<string> Aliases { get; } = ["qwen-code"];

    protected override string DisplayName => "Qwen Code";

    protected override string DefaultExecutable => "qwen";

    protected override string InstallHint => "npm install -g @qwen-code/qwen-code";

    protected override string ConfigSection => "Agents:Qwen";

    protected override string Mode => "headless with stream-json";

    protected override CliInvocation Invocation(RunRequest request)
    {
        List<string> args = ["--output-format", "stream-json", "--approval-mode", ApprovalMode(request.Task.Agent.Permissions), .. ExtraArguments];
        args.AddRange(ModelAndSession(request));

        // Only an agent that may run commands can act on the scheduling section; telling the others would mislead them.
        if (request.Task.Agent.Permissions == AgentPermissions.Full && request.SchedulingPrompt is { } scheduling)
        {
            args.AddRange(["--append-system-prompt", scheduling]);
        }

        // Qwen Code reports usage statistics to its vendor unless told not to.
        return new CliInvocation(args, request.Task.Instructions, DefaultVariables(("QWEN_USAGE_STATISTICS_ENABLED", "false")));
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) => new ClaudeStream(log, usageFromMessages: true);

    /// <summary>
    /// The posture as Qwen Code's approval mode. Headless, <c>default</c> refuses the shell and file-changing tools,
    /// <c>auto-edit</c> approves file edits only, <c>yolo</c> approves everything (also as root). Qwen's own default,
    /// <c>auto</c>, also refuses those tools headless but has the model classify the other calls (more requests).
    /// </summary>
    private static string ApprovalMode(AgentPermissions? permissions) => permissions switch
    {
        AgentPermissions.Edit => "auto-edit",
        AgentPermissions.Full => "yolo",
        _ => "default",
    };
}
