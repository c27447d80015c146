using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

/// <summary>The daemons working on this store (<c>agentcron nodes</c>).</summary>
public interface INodeStore
{
    /// <summary>Records a node as started (or started again, with the same id): its host, pid, version and start.</summary>
    Task RegisterAsync(NodeInfo node, CancellationToken cancellationToken);

    /// <summary>The node is alive at <paramref name="at"/>.</summary>
    Task BeatAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The node stopped cleanly at <paramref name="at"/>.</summary>
    Task StopAsync(string nodeId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every node known, the most recently started first.</summary>
    Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Forgets nodes not seen since <paramref name="olderThan"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}
