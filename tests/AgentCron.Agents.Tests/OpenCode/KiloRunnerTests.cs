using AgentCron.Agents.Cli;
using AgentCron.Agents.OpenCode;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>The real Kilo CLI (npm @kilocode/cli, installed by ./test.sh) against the fake model server.</summary>
public sealed class KiloRunnerTests : OpenCodeFamilyRunnerTests
{
    protected override CliPackage Package { get; } = new("kilo", "7.7.7", "npm install -g @kilocode/cli");

    protected override string Prefix => "KILO";

    protected override string DisplayName => "Kilo";

    protected override IAgentRunner NewRunner(string executable) => new KiloRunner(new AgentCliOptions { Executable = executable });

    /// <summary>Kilo (unlike OpenCode) can be told not to retry a failing model API.</summary>
    protected override IReadOnlyDictionary<string, string> CliEnvironment => new Dictionary<string, string>(base.CliEnvironment) { ["KILO_SESSION_RETRY_LIMIT"] = "0" };
}
