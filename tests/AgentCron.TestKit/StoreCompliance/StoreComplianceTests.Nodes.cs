using AgentCron.Core.Model;
using Xunit;

namespace AgentCron.TestKit.StoreCompliance;

public abstract partial class StoreComplianceTests
{
    [Fact]
    public async Task Nodes_AreListedNewestFirst_WithTheirHeartbeatsAndStops()
    {
        await Store.Nodes.RegisterAsync(new NodeInfo("node-a", "host-1", 101, "1.2.3", T0, T0), None);
        await Store.Nodes.RegisterAsync(new NodeInfo("node-b", "host-2", 202, "1.2.3", T0.AddMinutes(1), T0.AddMinutes(1)), None);

        await Store.Nodes.BeatAsync("node-a", T0.AddMinutes(2), None);
        await Store.Nodes.StopAsync("node-b", T0.AddMinutes(3), None);
        var nodes = await Store.Nodes.ListAsync(None);

        Assert.Equal(["node-b", "node-a"], nodes.Select(n => n.Id));
        Assert.Equal(new NodeInfo("node-a", "host-1", 101, "1.2.3", T0, T0.AddMinutes(2)), nodes[1]);
        Assert.Equal((T0.AddMinutes(3), T0.AddMinutes(3)), (nodes[0].LastSeenAt, nodes[0].StoppedAt));
    }

    [Fact]
    public async Task Nodes_KeepTheLatestHeartbeat_WhenAnOlderOneArrivesLate()
    {
        await Store.Nodes.RegisterAsync(new NodeInfo("node-a", "host-1", 101, "1", T0, T0), None);

        await Store.Nodes.BeatAsync("node-a", T0.AddSeconds(20), None);
        await Store.Nodes.BeatAsync("node-a", T0.AddSeconds(10), None);

        Assert.Equal(T0.AddSeconds(20), Assert.Single(await Store.Nodes.ListAsync(None)).LastSeenAt);
    }

    [Fact]
    public async Task Nodes_StartAgain_WhenANodeRegistersWithItsIdOnceMore()
    {
        await Store.Nodes.RegisterAsync(new NodeInfo("node-a", "host-1", 101, "1", T0, T0), None);
        await Store.Nodes.StopAsync("node-a", T0.AddMinutes(1), None);

        await Store.Nodes.RegisterAsync(new NodeInfo("node-a", "host-1", 303, "2", T0.AddMinutes(2), T0.AddMinutes(2)), None);

        Assert.Equal(new NodeInfo("node-a", "host-1", 303, "2", T0.AddMinutes(2), T0.AddMinutes(2)), Assert.Single(await Store.Nodes.ListAsync(None)));
    }

    [Fact]
    public async Task PruneAsync_ForgetsNodesNotSeenSinceTheCutoff()
    {
        await Store.Nodes.RegisterAsync(new NodeInfo("gone", "host-1", 1, "1", T0, T0), None);
        await Store.Nodes.RegisterAsync(new NodeInfo("alive", "host-2", 2, "1", T0, T0.AddDays(2)), None);

        var pruned = await Store.Nodes.PruneAsync(T0.AddDays(1), None);

        Assert.Equal(1, pruned);
        Assert.Equal(["alive"], (await Store.Nodes.ListAsync(None)).Select(n => n.Id));
    }
}
