namespace AgentCron.Core.Ports;

/// <summary>
/// Ends what an attempt left running on this host when its daemon died. The runner side implements it: the engine knows
/// only the pid and identity its runner reported (<see cref="StartedProcess"/>), not how processes are found or killed.
/// </summary>
public interface IOrphanKiller
{
    /// <summary>
    /// Kills the process tree the attempt started, if <paramref name="pid"/> is still the process that was recorded
    /// (<paramref name="identity"/>), so a recycled pid is never hit. False if nothing of it was left.
    /// </summary>
    bool KillIfSame(int pid, string identity);
}
