using AgentCron.Core.Engine;
using AgentCron.TestKit;

namespace AgentCron.Core.Tests.Engine;

public class EngineHealthTests
{
    [Fact]
    public void Reasons_NameEachFailingLoopAndOpenProblem_AndAreEmptyOnceAllIsWell()
    {
        var health = new EngineHealth(new FakeTimeProvider());
        health.Succeeded("dispatcher");
        health.Failed("planner", new IOException("SQLite Error 13: 'database or disk is full'."));
        health.Report("result:r_1", "the result of run r_1 could not be written: disk full; retrying");

        Assert.Equal(
            ["the planner loop's last pass failed: SQLite Error 13: 'database or disk is full'", "the result of run r_1 could not be written: disk full; retrying"],
            health.Reasons);

        health.Succeeded("planner");
        health.Resolve("result:r_1");

        Assert.Empty(health.Reasons);
    }
}
