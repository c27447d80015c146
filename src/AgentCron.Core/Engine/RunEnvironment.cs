using System.Globalization;
using AgentCron.Core.Model;

namespace AgentCron.Core.Engine;

/// <summary>
/// The <c>AGENTCRON_*</c> variables every agent process gets, so that it knows which task and run it is and where the
/// daemon is, and — with <paramref name="Tokens"/> — a token scoped to its own run (the admin token is never passed on).
/// </summary>
/// <param name="DaemonUrl">The URL agents use to reach this daemon's API.</param>
/// <param name="WorkRoot">Where the working folders of tasks that name no directory are made (<c>WORKROOT/SLUG</c>), outside the data directory.</param>
/// <param name="Sandbox">What confines every agent process.</param>
/// <param name="Tokens">Issues <c>AGENTCRON_TOKEN</c>, valid only while the run runs.</param>
/// <param name="MaxFollowUpsPerRun">What agents are told about their token's limit.</param>
public sealed record RunEnvironment(string DaemonUrl, string WorkRoot, Processes.RunSandbox Sandbox, Security.RunTokens? Tokens = null, int MaxFollowUpsPerRun = 5)
{
    /// <summary>
    /// Where a run of <paramref name="task"/> starts: its <c>agent.cwd</c>, else a folder under <see cref="WorkRoot"/> (made
    /// when a process first needs it): the task's own, named after its slug — or, for a task anchored to a chat thread,
    /// the one all tasks of that thread share (<c>_threads/…</c>), because some agent CLIs keep their sessions per
    /// directory and a follow-up on the thread must find the session it resumes.
    /// </summary>
    public string WorkingDirectory(AgentTask task) =>
        // Slugs are lower-case letters, digits and dashes: "_threads" is never one.
        task.Agent.Cwd ?? (task.Thread is { } thread ? Path.Combine(WorkRoot, "_threads", FolderName(thread.ToString())) : Path.Combine(WorkRoot, task.Slug));

    /// <summary>The scheduling section for an agent of <paramref name="task"/>, or null when its runs get no token to act on it.</summary>
    public string? SchedulingPrompt(AgentTask task) => Tokens is null ? null : Tasks.AgentPrompt.Section(task.Thread?.ToString(), MaxFollowUpsPerRun);

    /// <summary>A thread as one folder name: <c>slack_C024BE91L_1700000000.000100</c>; a long one cut, with a hash of the whole.</summary>
    private static string FolderName(string thread)
    {
        const int MaxLength = 100;
        // PLATFORM:CHANNEL… always has a colon, so the name is never "." or "..".
        var name = new string([.. thread.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_')]);
        return name.Length <= MaxLength
            ? name
            : $"{name[..MaxLength]}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(thread)))[..16]}";
    }

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
