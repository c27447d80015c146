namespace AgentCron.Core.Engine;

/// <summary>
/// What the daemon's services (tasks and runs, the health API) may ask of the engine, and all they see of it: none of its
/// parts (<see cref="Scheduler"/> implements it).
/// </summary>
public interface IEngine
{
    SchedulerOptions Options { get; }

    EngineHealth Health { get; }

    /// <summary>How many attempts this daemon executes now (or holds the result of, not yet written).</summary>
    int RunningCount { get; }

    /// <summary>Something changed (a task was created or updated, a run was queued or cancelled): look again now.</summary>
    void Wake();

    /// <summary>
    /// Stops a run whose cancel flag was just set: at once if this daemon runs it (returns true); otherwise the daemon that
    /// runs it acts on the flag at its next heartbeat, and this one renews now, in case the run was claimed here meanwhile.
    /// </summary>
    bool StopRun(string runId);
}
