using AgentCron.Agents.Cli;

namespace AgentCron.Agents.OpenCode;

/// <summary>
/// Runs OpenCode non-interactively: <c>opencode run --format json --thinking [--model provider/model] [--session ID | --title NAME]
/// [--auto]</c> with the prompt on stdin, its JSON events parsed live (<see cref="OpenCodeStream"/>). Which providers and
/// models it may use comes from the user's OpenCode configuration (<c>~/.config/opencode/opencode.json</c>,
/// <c>OPENCODE_CONFIG</c> or <c>OPENCODE_CONFIG_CONTENT</c>); the posture comes from the task, per run.
/// </summary>
public sealed class OpenCodeRunner(AgentCliOptions options) : OpenCodeFamilyRunner(options)
{
    public override string Provider => "opencode";

    protected override string DisplayName => "OpenCode";

    protected override string DefaultExecutable => "opencode";

    protected override string InstallHint => "npm install -g opencode-ai";

    protected override string ConfigSection => "Agents:OpenCode";

    protected override string EnvironmentPrefix => "OPENCODE";
}
