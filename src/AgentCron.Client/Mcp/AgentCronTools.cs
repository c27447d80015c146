using System.ComponentModel;
using AgentCron.Client;
using AgentCron.Core.Contracts;
using AgentCron.Core.Triggers;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace AgentCron.Client.Mcp;

/// <summary>
/// The MCP tools of <c>agentcron mcp</c>: what an MCP-capable agent needs to schedule, see and cancel its follow-ups.
/// Each call goes to the daemon's API with the caller's token (inside a run: the run's own token and thread).
/// </summary>
[McpServerToolType]
public sealed class AgentCronTools(AgentCronClient client, McpThread thread)
{
    [McpServerTool(Name = "schedule_follow_up"), Description("Schedule a task to run later, e.g. to check on something slow instead of waiting. It runs in this same conversation when 'here' is true (the default inside a chat thread). Give 'in' (90s, 20m, 2h, 1d) or 'at' (ISO 8601 with offset). Inside a run, leave the agent settings out: the follow-up runs with this run's agent, command, posture and directory, and may not widen them.")]
    public async Task<string> ScheduleFollowUpAsync(
        [Description("What to do then: the goal, what to check and what to report; it must stand on its own.")] string prompt,
        [Description("When, relative to now: 90s, 20m, 2h, 1d.")] string? @in = null,
        [Description("When, as an instant: 2026-11-22T09:00:00+01:00.")] string? at = null,
        [Description("A short name for the task.")] string? name = null,
        [Description("Continue this conversation (the current chat thread).")] bool here = true,
        [Description("The agent provider, e.g. claudecode, codex, gemini or command (the daemon's list: GET /api/agents). Inside a run only this run's own.")] string? agent = null,
        [Description("For the command agent: the program and its arguments, e.g. \"./check-deploy.sh api-7\". Inside a run only this run's own.")] string? command = null,
        [Description("The model, for agents that take one (left out: the run's, or the agent's default).")] string? model = null,
        [Description("What an agent CLI may do: read_only, edit or full. Inside a run at most this run's posture (left out: the same).")] string? permissions = null,
        [Description("The agent's working directory, an absolute path. Inside a run only this run's own (left out: the same).")] string? cwd = null,
        CancellationToken cancellationToken = default)
    {
        var input = new TaskInput
        {
            Instructions = prompt,
            Name = name,
            Trigger = new TriggerInput(At: at, In: @in),
            Thread = here ? thread.Current : null,
            Agent = agent is null && command is null && model is null && permissions is null && cwd is null
                ? null
                : new AgentInput { Provider = agent, Command = command, Model = model, Permissions = permissions, Cwd = cwd },
        };
        var task = (await CallAsync(() => client.SendAsync<TaskView>(HttpMethod.Post, "api/tasks", input, null, cancellationToken))).Value;
        var warnings = string.Concat((task.Warnings ?? []).Select(w => $"\nWarning: {w}"));
        return $"Scheduled task {task.Slug} ({task.Id}): {task.Trigger?.Description ?? "manual"}; next run {task.NextFireAt:O}.{warnings}";
    }

    [McpServerTool(Name = "list_tasks"), Description("List scheduled tasks with their next run and last result.")]
    public async Task<string> ListTasksAsync(
        [Description("Only tasks in this state: active, paused, succeeded, failed, cancelled, skipped.")] string? status = null,
        CancellationToken cancellationToken = default)
    {
        var page = (await CallAsync(() => client.SendAsync<PageView<TaskView>>(HttpMethod.Get, "api/tasks" + AgentCronClient.Query(("status", status), ("limit", "100")), null, null, cancellationToken))).Value;
        return page.Items.Count == 0
            ? "No tasks."
            : string.Join('\n', page.Items.Select(t => $"{t.Slug} ({t.Id}) {t.Status}: {t.Trigger?.Description ?? "manual"}; next {t.NextFireAt?.ToString("O") ?? "-"}; last {t.LastRunStatus ?? "-"} {t.LastSummary}"));
    }

    [McpServerTool(Name = "show_task"), Description("Show one task by id or slug, as JSON.")]
    public async Task<string> ShowTaskAsync([Description("The task's id or slug.")] string id, CancellationToken cancellationToken = default) =>
        (await CallAsync(() => client.SendAsync<TaskView>(HttpMethod.Get, $"api/tasks/{AgentCronClient.Segment(id)}", null, $"task '{id}' does not exist", cancellationToken))).Json.ToString();

    [McpServerTool(Name = "cancel_task"), Description("Cancel a task: its queued and running runs stop; a one-time task that has not run will not.")]
    public async Task<string> CancelTaskAsync([Description("The task's id or slug.")] string id, CancellationToken cancellationToken = default)
    {
        var task = (await CallAsync(() => client.SendAsync<TaskView>(HttpMethod.Post, $"api/tasks/{AgentCronClient.Segment(id)}/cancel", null, $"task '{id}' does not exist", cancellationToken))).Value;
        return $"Task {task.Slug} is now {task.Status}.";
    }

    /// <summary>Runs an API call; a refusal reaches the agent as a tool error with the daemon's own words (field, reason).</summary>
    private static async Task<ApiResult<T>> CallAsync<T>(Func<Task<ApiResult<T>>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new McpException(ErrorReport.Describe(ex).Message, ex);
        }
    }
}

/// <summary>The chat thread of the run the MCP server serves (AGENTCRON_THREAD), if any.</summary>
public sealed record McpThread(string? Current);
