using AgentCron.Agents.Cli;
using AgentCron.Agents.OpenCode;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>The real Kilo CLI (npm @kilocode/cli, installed by ./test.sh) against the fake model server.</summary>
public sealed class KiloRunnerTests : OpenCodeFamilyTests
{
    protected override string Program => "kilo";

    protected override string InstallHint => "npm install -g @kilocode/cli";

    protected override string Prefix => "KILO";

    protected override string Version => "7.7.7";

    // Kilo (unlike OpenCode) can be told not to retry a failing model API.
    protected override IReadOnlyDictionary<string, string> NoRetries { get; } = new Dictionary<string, string> { ["KILO_SESSION_RETRY_LIMIT"] = "0" };

    protected override CliAgentRunner NewRunner(string executable) => new KiloRunner(new AgentCliOptions { Executable = executable });
}
