using System.Globalization;
using AgentCron.Core.Model;

namespace AgentCron.Core.Engine;

/// <summary>
/// The <c>AGENTCRON_*</c> variables every agent process gets, so that it knows which task and run it is and where the
/// daemon is, and — with <paramref name="Tokens"/> — a token scoped to its own run (the admin token is never passed on).
/// </summary>
/// <param name="DaemonUrl">The URL agents use to reach this daemon's API.</param>
/// <param name="DefaultWorkingDirectory">Where an agent runs when its task names no directory.</param>
/// <param name="Tokens">Issues <c>AGENTCRON_TOKEN</c>, valid only while the run runs.</param>
/// <param name="MaxFollowUpsPerRun">What agents are told about their token's limit.</param>
public sealed record RunEnvironment(string DaemonUrl, string DefaultWorkingDirectory, Security.RunTokens? Tokens = null, int MaxFollowUpsPerRun = 5)
{
    /// <summary>The scheduling section for an agent of <paramref name="task"/>, or null when its runs get no token to act on it.</summary>
    public string? SchedulingPrompt(AgentTask task) => Tokens is null ? null : Tasks.AgentPrompt.Section(task.Thread?.ToString(), MaxFollowUpsPerRun);

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

        if (Tokens is not null)
        {
            variables["AGENTCRON_TOKEN"] = Tokens.Issue(run.Id);
        }

        return variables;
    }
}
