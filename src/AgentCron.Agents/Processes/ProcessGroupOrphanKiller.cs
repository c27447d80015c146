using AgentCron.Core.Ports;

namespace AgentCron.Agents.Processes;

/// <summary>Kills an orphaned attempt's process group, which every agent process leads (<see cref="AgentProcess"/>).</summary>
public sealed class ProcessGroupOrphanKiller : IOrphanKiller
{
    public bool KillIfSame(int pid, string identity) => ProcessGroup.KillIfSame(pid, identity);
}
