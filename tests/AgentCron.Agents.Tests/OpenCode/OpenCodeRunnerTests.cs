using System.Text.Json;
using AgentCron.Agents.Cli;
using AgentCron.Agents.OpenCode;
using AgentCron.Core.Ports;

namespace AgentCron.Agents.Tests.OpenCode;

/// <summary>The real OpenCode CLI (npm opencode-ai, installed by ./test.sh) against the fake model server.</summary>
public sealed class OpenCodeRunnerTests : OpenCodeFamilyRunnerTests
{
    protected override CliPackage Package { get; } = new("opencode", "1.18.33", "npm install -g opencode-ai");

    protected override string Prefix => "OPENCODE";

    protected override string DisplayName => "OpenCode";

    /// <summary>
    /// OpenCode reports a call of a tool it did not offer as a call of its <c>invalid</c> tool, without the model's
    /// arguments (Kilo keeps them): the input names the tool and why it was refused.
    /// </summary>
    protected override void AssertRefusedCallInput(JsonElement input, string marker)
    {
        Assert.Equal("bash", input.GetProperty("tool").GetString());
        Assert.Contains("unavailable tool 'bash'", input.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    protected override IAgentRunner NewRunner(string executable) => new OpenCodeRunner(new AgentCliOptions { Executable = executable });
}
