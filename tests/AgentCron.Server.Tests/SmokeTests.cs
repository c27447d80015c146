using AgentCron.Core.Contracts;
using AgentCron.TestKit;

namespace AgentCron.Server.Tests;

public class SmokeTests
{
    [Fact]
    public async Task OneTimeTask_RunsCommandAndRecordsOutput_WhenDue()
    {
        await using var daemon = await TestDaemon.StartAsync();
        var task = await daemon.CreateTaskAsync(new
        {
            instructions = "say hello",
            trigger = new { @in = "1s" },
            agent = new { command = "sh -c 'echo hello from $AGENTCRON_TASK_ID; cat'" },
        });

        var done = await Eventually.GetAsync(async () =>
        {
            var t = await daemon.GetAsync<TaskView>($"/api/tasks/{task.Id}");
            return t.Status == "succeeded" ? t : null;
        }, TimeSpan.FromSeconds(20), "the one-time task to succeed");

        var run = await daemon.GetAsync<RunView>($"/api/runs/{done.LastRunId}");
        Assert.Equal($"hello from {task.Id}\nsay hello", run.Output);
        Assert.Equal(0, run.ExitCode);
    }
}
