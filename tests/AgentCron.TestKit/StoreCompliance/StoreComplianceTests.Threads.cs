using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task ClaimAsync_RunsOneAttemptPerThreadAndProvider_AtATime()
    {
        var first = await CreateThreadTaskAsync("slack:C1:T1", "claudecode");
        var second = await CreateThreadTaskAsync("slack:C1:T1", "claudecode");
        var otherThread = await CreateThreadTaskAsync("slack:C1:T2", "claudecode");
        var otherProvider = await CreateThreadTaskAsync("slack:C1:T1", "command");
        var a = await InsertRunAsync(first, T0, exclusive: false);
        var b = await InsertRunAsync(second, T0.AddSeconds(1), exclusive: false);
        var c = await InsertRunAsync(otherThread, T0.AddSeconds(2), exclusive: false);
        var d = await InsertRunAsync(otherProvider, T0.AddSeconds(3), exclusive: false);

        var claimed = await Store.Runs.ClaimAsync("node-a", T0.AddSeconds(5), T0.AddSeconds(35), 10, None);

        Assert.Equal([a.Id, c.Id, d.Id], claimed.Select(r => r.Run.Id));
        Assert.Empty(await Store.Runs.ClaimAsync("node-b", T0.AddSeconds(6), T0.AddSeconds(36), 10, None));

        await Store.Runs.CompleteAsync(a.Id, 1, "node-a", run => Finish(run, RunStatus.Succeeded, T0.AddSeconds(7)), [], None);
        Assert.Equal([b.Id], (await Store.Runs.ClaimAsync("node-b", T0.AddSeconds(8), T0.AddSeconds(38), 10, None)).Select(r => r.Run.Id));
    }

    [Fact]
    public async Task CompleteAsync_KeepsTheThreadsSession_AndFindSessionAsyncReturnsTheNewest()
    {
        var task = await CreateThreadTaskAsync("slack:C1:T1", "claudecode");
        Assert.Null(await Store.Threads.FindSessionAsync("slack:C1:T1", "claudecode", None));

        foreach (var (session, at) in new[] { ("sess-1", T0), ("sess-2", T0.AddMinutes(1)) })
        {
            var run = await InsertRunAsync(task, at);
            await ClaimOneAsync("node-a", at);
            await Store.Runs.CompleteAsync(run.Id, 1, "node-a", c => Finish(c, RunStatus.Succeeded, at) with { Session = new ThreadSession("slack:C1:T1", "claudecode", session, at) }, [], None);
        }

        Assert.Equal(new ThreadSession("slack:C1:T1", "claudecode", "sess-2", T0.AddMinutes(1)), await Store.Threads.FindSessionAsync("slack:C1:T1", "claudecode", None));
        Assert.Null(await Store.Threads.FindSessionAsync("slack:C1:T1", "codex", None));
        Assert.Equal(["sess-2"], (await Store.Threads.SessionsAsync("slack:C1:T1", None)).Select(s => s.SessionId));
    }

    [Fact]
    public async Task CompleteAsync_WritesNoSession_WhenTheLeaseIsNoLongerHeld()
    {
        var task = await CreateThreadTaskAsync("slack:C1:T9", "claudecode");
        var run = await InsertRunAsync(task, T0);
        await ClaimOneAsync("node-a", T0);

        await Store.Runs.CompleteAsync(run.Id, 1, "node-b", c => Finish(c, RunStatus.Succeeded, T0) with { Session = new ThreadSession("slack:C1:T9", "claudecode", "stale", T0) }, [], None);

        Assert.Null(await Store.Threads.FindSessionAsync("slack:C1:T9", "claudecode", None));
    }

    private async Task<AgentTask> CreateThreadTaskAsync(string thread, string provider)
    {
        var task = NewTask(null, null, TaskState.Active, null, new TaskPolicies { Overlap = OverlapPolicy.Allow }) with
        {
            Thread = ThreadAnchor.Parse(thread, "thread"),
            Agent = new AgentSelection { Provider = provider },
        };
        await Store.Tasks.CreateAsync(task, null, None);
        return task;
    }
}
