using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using Microsoft.Extensions.Logging;

namespace AgentCron.Core.Engine;

/// <summary>
/// Keeps this daemon's row in the store's node list (<c>agentcron nodes</c>): registered when the engine starts, seen
/// again every third of the lease (so a node missing for a whole lease is one whose runs others may recover), marked
/// stopped on a clean stop. Nodes not seen for the retention age are forgotten.
/// </summary>
public sealed class NodeBeacon(IAgentCronStore store, SchedulerOptions options, TimeProvider time, ILogger logger, EngineHealth health)
{
    private bool _registered;

    /// <summary>This node as it registers.</summary>
    public NodeInfo Self(DateTimeOffset startedAt) => new(
        options.NodeId,
        Environment.MachineName,
        Environment.ProcessId,
        typeof(NodeBeacon).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        startedAt,
        startedAt);

    /// <summary>Registers (until that succeeds) or renews this node; forgets long-gone nodes.</summary>
    public async Task BeatOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!_registered)
        {
            await store.Nodes.RegisterAsync(Self(now), cancellationToken);
            // Registered from here on, even if the prune below is cut short by a stop: the stop must mark this row.
            _registered = true;
            await store.Nodes.PruneAsync(now - options.RetentionMaxAge, cancellationToken);
        }
        else
        {
            await store.Nodes.BeatAsync(options.NodeId, now, cancellationToken);
        }
    }

    public Task RunAsync(CancellationToken cancellationToken) => EngineLoop.RunAsync(
        "node",
        new WakeSignal(),
        async token =>
        {
            await BeatOnceAsync(token);
            return options.Lease / 3;
        },
        TimeSpan.FromSeconds(1),
        time,
        health,
        logger,
        cancellationToken);

    /// <summary>
    /// Marks this node stopped; a failure is only logged (the node then looks lost, which is what it is to the others). A
    /// node that never registered (its store failed the start-up checks, say) has nothing to mark.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_registered)
        {
            return;
        }

        try
        {
            await store.Nodes.StopAsync(options.NodeId, time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not mark node {NodeId} stopped", options.NodeId);
        }
    }
}
