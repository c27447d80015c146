using AgentCron.Core.Model;

namespace AgentCron.Core.Tasks;

/// <summary>What a task gets when it leaves something out (configuration section <c>Defaults</c>).</summary>
/// <param name="TimeZone">The zone of cron and window triggers, and of times written without an offset.</param>
/// <param name="Policies">The policies of a task that names none.</param>
/// <param name="MaxFollowUpsPerRun">How many tasks one run's agent may create with its run token (<c>FollowUps:MaxPerRun</c>).</param>
public sealed record TaskDefaults(TimeZoneInfo TimeZone, TaskPolicies Policies, int MaxFollowUpsPerRun = 5);
