using AgentCron.Core.Tasks;

namespace AgentCron.Core.Tests.Tasks;

public class AgentPromptTests
{
    [Fact]
    public void Section_TellsTheAgentToUseHere_WhenTheRunHasAThread()
    {
        var section = AgentPrompt.Section("slack:C024BE91L:1700000000.000100", 3);

        Assert.Contains("agentcron task create --in 30m --here", section, StringComparison.Ordinal);
        Assert.Contains("(thread slack:C024BE91L:1700000000.000100)", section, StringComparison.Ordinal);
        Assert.Contains("at most 3 per run", section, StringComparison.Ordinal);
    }

    [Fact]
    public void Section_LeavesOutHere_WhenTheRunHasNoThread()
    {
        var section = AgentPrompt.Section(null, 5);

        Assert.DoesNotContain("--here", section, StringComparison.Ordinal);
        Assert.DoesNotContain("same conversation", section, StringComparison.Ordinal);
        Assert.Contains("agentcron task create --in 30m --name", section, StringComparison.Ordinal);
    }
}
