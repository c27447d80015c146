using System.Net;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Server.Tests.Support;
using AgentCron.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentCron.Server.Tests;

/// <summary>GET /api/nodes: the daemons working on one store, as they registered and renewed themselves.</summary>
public sealed class NodesApiTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Nodes_ListsEachDaemon_RunningStoppedOrLost()
    {
        string stoppedId;
        await using (var first = await TestDaemon.StartAsync(_home.Path))
        {
            stoppedId = first.App.Scheduler.Options.NodeId;
            await Eventually.TrueAsync(async () => (await first.App.Services.GetRequiredService<IAgentCronStore>().Nodes.ListAsync(CancellationToken.None)).Count == 1, TimeSpan.FromSeconds(10), "the first daemon to register");
        }

        await using var daemon = await TestDaemon.StartAsync(_home.Path);
        var store = daemon.App.Services.GetRequiredService<IAgentCronStore>();
        var old = TimeProvider.System.GetUtcNow().AddMinutes(-10);
        await store.Nodes.RegisterAsync(new NodeInfo("crashed-node", "elsewhere", 4242, "0.9.0", old, old), CancellationToken.None);
        using var api = new ApiClient(daemon.App.Address, daemon.App.Token);

        var nodes = await Eventually.GetAsync(
            async () => await api.ExpectAsync<List<NodeView>>(HttpMethod.Get, "/api/nodes", HttpStatusCode.OK) is { Count: 3 } all ? all : null,
            TimeSpan.FromSeconds(10),
            "three nodes");

        var self = Assert.Single(nodes, n => n.Self);
        Assert.Equal((daemon.App.Scheduler.Options.NodeId, "running", Environment.ProcessId), (self.Id, self.Status, self.Pid));
        Assert.Equal("stopped", Assert.Single(nodes, n => n.Id == stoppedId).Status);
        Assert.Equal("lost", Assert.Single(nodes, n => n.Id == "crashed-node").Status);
    }
}
