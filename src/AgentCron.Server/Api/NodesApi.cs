using AgentCron.Core.Contracts;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class NodesApi
{
    public static RouteGroupBuilder MapNodesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/nodes", ListAsync).WithTags("Nodes")
            .WithSummary("The daemons working on this store: host, pid, version, start, last heartbeat, and running, lost or stopped.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<NodeView>>> ListAsync(IAgentCronStore store, Scheduler scheduler, TimeProvider time, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ViewsAsync(store, scheduler, time, cancellationToken));

    /// <summary>The nodes as the API and the web UI show them.</summary>
    internal static async Task<IReadOnlyList<NodeView>> ViewsAsync(IAgentCronStore store, Scheduler scheduler, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nodes = await store.Nodes.ListAsync(cancellationToken);
        return [.. nodes.Select(n => View(n, now, scheduler.Options))];
    }

    /// <summary>A node not seen for a whole lease has not renewed its leases either: to the others it is gone.</summary>
    private static NodeView View(NodeInfo node, DateTimeOffset now, SchedulerOptions options) => new(
        node.Id,
        node.Host,
        node.Pid,
        node.Version,
        node.StartedAt,
        node.LastSeenAt,
        node.StoppedAt,
        node.StoppedAt is not null ? "stopped" : now - node.LastSeenAt > options.Lease ? "lost" : "running",
        node.Id == options.NodeId);
}
