using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class TasksApi
{
    public static RouteGroupBuilder MapTasksApi(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapGet("/", ListAsync).WithSummary("List tasks, oldest first, filtered by status, agent, thread (a prefix: slack:C1 is the channel's threads too) and a search in name and slug, paginated with a cursor.").AllowRunToken();
        tasks.MapPost("/", CreateAsync).WithSummary("Create a task; with runNow, the answer's runId is the run it started. With a run's token: a follow-up (one-time unless the run's task allows recurring ones; limited per run; no runNow; the run's agent, command and working directory, at most its posture). The answer lists 'warnings', e.g. an agent CLI that is not installed.").Accepts<TaskInput>("application/json").AllowRunToken();
        tasks.MapGet("/{id}", GetAsync).WithSummary("Show a task by id or slug.").AllowRunToken();
        tasks.MapMethods("/{id}", ["PATCH"], UpdateAsync).WithSummary("Change the given members of a task. Send If-Match: \"VERSION\" to guard against lost updates. When the agent changes, the answer lists 'warnings', e.g. an agent CLI that is not installed.").Accepts<TaskInput>("application/json");
        tasks.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a task with its runs and logs; its running runs are stopped.");
        tasks.MapPost("/{id}/pause", PauseAsync).WithSummary("Pause a task: no scheduled runs until resumed.");
        tasks.MapPost("/{id}/resume", ResumeAsync).WithSummary("Resume a paused task from now on (missed occurrences are not caught up).");
        tasks.MapPost("/{id}/run", RunAsync).WithSummary("Queue a manual run now.");
        tasks.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel the task's queued and running runs; a one-time task that has not run ends cancelled. A task that has ended with nothing running answers 409. A run's token: only its own task and the follow-ups of its task's runs.").AllowRunToken();
        return api;
    }

    private static async Task<Ok<PageView<TaskView>>> ListAsync(
        IAgentCronStore store, RunnerRegistry runners, string? status, string? agent, string? thread, string? q, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var page = await store.Tasks.ListAsync(Query.Tasks(runners, status, agent, thread, q, cursor, Query.Limit(limit)), cancellationToken);
        return TypedResults.Ok(new PageView<TaskView>([.. page.Items.Select(TaskView.From)], page.NextCursor));
    }

    private static async Task<Created<TaskView>> CreateAsync(HttpRequest request, TaskService service, CancellationToken cancellationToken)
    {
        var input = await ApiJson.ReadAsync<TaskInput>(request, cancellationToken);
        var (task, firstRun) = RunTokenAccess.RunCaller(request.HttpContext) is { } run
            ? await service.CreateFollowUpAsync(input, run, cancellationToken)
            : await service.CreateAsync(input, cancellationToken);
        return TypedResults.Created($"/api/tasks/{task.Id}", TaskView.From(task) with { RunId = firstRun?.Id, Warnings = service.Warnings(task) });
    }

    private static async Task<Ok<TaskView>> GetAsync(string id, TaskService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(TaskView.From(await service.GetAsync(id, cancellationToken)));

    private static async Task<Ok<TaskView>> UpdateAsync(string id, HttpRequest request, TaskService service, CancellationToken cancellationToken)
    {
        var input = await ApiJson.ReadAsync<TaskInput>(request, cancellationToken);
        var version = IfMatch(request);
        var task = await service.UpdateAsync(id, input, version, cancellationToken);
        return TypedResults.Ok(TaskView.From(task) with { Warnings = input.Agent is null ? null : service.Warnings(task) });
    }

    private static async Task<NoContent> DeleteAsync(string id, TaskService service, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<TaskView>> PauseAsync(string id, TaskService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(TaskView.From(await service.PauseAsync(id, cancellationToken)));

    private static async Task<Ok<TaskView>> ResumeAsync(string id, TaskService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(TaskView.From(await service.ResumeAsync(id, cancellationToken)));

    private static async Task<Accepted<RunView>> RunAsync(string id, TaskService service, IAgentCronStore store, CancellationToken cancellationToken)
    {
        var run = await service.RunNowAsync(id, cancellationToken);
        return TypedResults.Accepted($"/api/runs/{run.Id}", await RunViews.OneAsync(run, store.Tasks, cancellationToken));
    }

    private static async Task<Ok<TaskView>> CancelAsync(string id, HttpContext http, TaskService service, CancellationToken cancellationToken)
    {
        if (RunTokenAccess.RunCaller(http) is { } run)
        {
            await service.RequireRunChainAsync(id, run, cancellationToken);
        }

        return TypedResults.Ok(TaskView.From(await service.CancelAsync(id, cancellationToken)));
    }

    private static long? IfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim().Trim('"');
        if (header.Length == 0 || header == "*")
        {
            return null;
        }

        return long.TryParse(header, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new Core.InvalidFieldException("If-Match", $"'{header}' is not a task version; send the task's \"version\" number, e.g. If-Match: \"3\"");
    }
}
