using AgentCron.Agents.Cli;
using AgentCron.Agents.OpenCode;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>The real OpenCode CLI (npm opencode-ai, installed by ./test.sh) against the fake model server.</summary>
public sealed class OpenCodeRunnerTests : OpenCodeFamilyTests
{
    protected override string Program => "opencode";

    protected override string InstallHint => "npm install -g opencode-ai";

    protected override string Prefix => "OPENCODE";

    protected override string Version => "1.18.33";

    protected override CliAgentRunner NewRunner(string executable) => new OpenCodeRunner(new AgentCliOptions { Executable = executable });
}
