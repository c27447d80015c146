using System.Globalization;
using AgentCron.Core.Model;

namespace AgentCron.Core.Engine;

/// <summary>
/// The <c>AGENTCRON_*</c> variables every agent process gets, so that it knows which task and run it is and where the
/// daemon is. The admin token is never passed on (run-scoped tokens come with agent awareness).
/// </summary>
/// <param name="DaemonUrl">The URL agents use to reach this daemon's API.</param>
/// <param name="DefaultWorkingDirectory">Where an agent runs when its task names no directory.</param>
public sealed record RunEnvironment(string DaemonUrl, string DefaultWorkingDirectory)
{
    public IReadOnlyDictionary<string, string> For(TaskRun run, AgentTask task)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AGENTCRON_URL"] = DaemonUrl,
            ["AGENTCRON_TASK_ID"] = task.Id,
            ["AGENTCRON_TASK_SLUG"] = task.Slug,
            ["AGENTCRON_TASK_NAME"] = task.Name,
            ["AGENTCRON_RUN_ID"] = run.Id,
            ["AGENTCRON_ATTEMPT"] = run.Attempt.ToString(CultureInfo.InvariantCulture),
            ["AGENTCRON_SCHEDULED_FOR"] = run.ScheduledFor.ToString("O", CultureInfo.InvariantCulture),
            ["AGENTCRON_TRIGGER"] = run.Trigger.ToString().ToLowerInvariant(),
            ["AGENTCRON_PROMPT"] = task.Instructions,
        };
        if (task.Thread is { } thread)
        {
            variables["AGENTCRON_THREAD"] = thread.ToString();
        }

        return variables;
    }
}
