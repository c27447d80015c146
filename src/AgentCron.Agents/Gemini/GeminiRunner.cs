using AgentCron.Agents.Cli;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Gemini;

/// <summary>
/// Runs the Gemini CLI headless: <c>gemini --output-format stream-json --approval-mode MODE [-m MODEL] [--resume ID] -p ""</c>
/// with the prompt on stdin (the CLI appends <c>-p</c>'s text to its stdin, so no argv length limit), parsing its JSON
/// lines live (<see cref="GeminiStream"/>). The posture maps to an approval mode: in headless mode the CLI does not
/// even offer the model the tools a mode would have to ask about, so <c>default</c> is read-only, <c>auto_edit</c> adds
/// the file tools and <c>yolo</c> also the shell. Sessions are stored per working directory
/// (<c>~/.gemini/tmp/PROJECT/chats</c>), so a resumed turn must start where the first one did.
/// </summary>
public sealed class GeminiRunner(AgentCliOptions options) : CliAgentRunner(options)
{
    public override string Provider => "gemini";

    public override IReadOnlyList<string> Aliases { get; } = ["gemini-cli"];

    protected override string DisplayName => "Gemini CLI";

    protected override string DefaultExecutable => "gemini";

    protected override string InstallHint => "npm install -g @google/gemini-cli";

    protected override string ConfigSection => "Agents:Gemini";

    protected override string Mode => "headless mode with stream-json";

    protected override CliInvocation Invocation(RunRequest request)
    {
        List<string> args = ["--output-format", "stream-json", "--approval-mode", ApprovalMode(request.Task.Agent.Permissions), .. ExtraArguments];
        args.AddRange(ModelAndSession(request));

        // Headless with an empty -p: the prompt comes on stdin. GEMINI_SYSTEM_MD would replace the CLI's whole system
        // prompt rather than add to it, so the scheduling section goes in front of the prompt.
        args.AddRange(["-p", ""]);

        // Headless, the CLI refuses to start in a folder nobody has trusted; a scheduled task's working directory is
        // chosen by whoever set it up.
        return new CliInvocation(args, PromptWithScheduling(request), DefaultVariables(("GEMINI_CLI_TRUST_WORKSPACE", "true")));
    }

    protected override IAgentStream NewStream(RunRequest request, IRunLogWriter log) => new GeminiStream(log);

    /// <summary>
    /// The posture as an approval mode. Headless, the CLI cannot ask, so it leaves out the tools that would need
    /// approval: <c>default</c> offers only reading and searching tools, <c>auto_edit</c> adds <c>replace</c>,
    /// <c>write_file</c> and <c>web_fetch</c>, <c>yolo</c> adds <c>run_shell_command</c> and the rest.
    /// </summary>
    private static string ApprovalMode(AgentPermissions? permissions) => permissions switch
    {
        AgentPermissions.Edit => "auto_edit",
        AgentPermissions.Full => "yolo",
        _ => "default",
    };
}
