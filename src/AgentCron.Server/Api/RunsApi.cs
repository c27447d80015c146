using System.Text.Json;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentCron.Server.Api;

public static class RunsApi
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");
        runs.MapGet("/", ListAsync).WithSummary("List runs, newest first, filtered by task and status and paginated with a cursor.").AllowRunToken();
        runs.MapGet("/{id}", GetAsync).WithSummary("Show a run.").AllowRunToken();
        runs.MapGet("/{id}/log", LogAsync).WithSummary("Read a run's log entries after a sequence number.").AllowRunToken();
        runs.MapGet("/{id}/log/stream", StreamAsync).WithSummary("Follow a run's log live as Server-Sent Events ('log' events, then one 'end' event with the run).").AllowRunToken();
        runs.MapPost("/{id}/cancel", CancelAsync).WithSummary("Cancel a run: a queued run at once, a running one by killing its agent's process tree. A run's token: only runs of its own task and of its task's follow-ups.").AllowRunToken();
        return api;
    }

    private static async Task<Ok<PageView<RunView>>> ListAsync(IAgentCronStore store, TaskService service, string? task, string? status, string? limit, string? cursor, CancellationToken cancellationToken)
    {
        var taskId = task is null ? null : (await service.GetAsync(task, cancellationToken)).Id;
        var page = await store.Runs.ListAsync(new RunQuery(taskId, Query.Enum<RunStatus>(status, "status"), Query.Cursor(cursor, "r"), Query.Limit(limit)), cancellationToken);
        return TypedResults.Ok(new PageView<RunView>(await RunViews.ManyAsync(page.Items, store.Tasks, cancellationToken), page.NextCursor));
    }

    private static async Task<Ok<RunView>> GetAsync(string id, TaskService service, IAgentCronStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await RunViews.WithDeliveriesAsync(await service.GetRunAsync(id, cancellationToken), store, cancellationToken));

    private static async Task<Ok<LogView>> LogAsync(string id, TaskService service, IAgentCronStore store, string? after, string? limit, CancellationToken cancellationToken)
    {
        var run = await service.GetRunAsync(id, cancellationToken);
        var from = Query.Number(after, "after", 0, long.MaxValue) ?? 0;
        var entries = await store.Logs.ReadAsync(id, from, (int)(Query.Number(limit, "limit", 1, 5000) ?? 1000), cancellationToken);
        return TypedResults.Ok(new LogView([.. entries.Select(LogEntryView.From)], entries.Count > 0 ? entries[^1].Seq : from, run.IsFinished));
    }

    /// <summary>The log stream; the web UI maps it too, behind its sign-in.</summary>
    internal static async Task StreamAsync(string id, HttpContext http, TaskService service, IAgentCronStore store, TimeProvider time, IHostApplicationLifetime lifetime, string? after, CancellationToken requestAborted)
    {
        // A stream also ends when the daemon stops, so it never holds up a shutdown.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var run = await service.GetRunAsync(id, cancellationToken);
        var seq = Query.Number(after, "after", 0, long.MaxValue) ?? 0;
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(cancellationToken);

        var quiet = TimeSpan.Zero;
        try
        {
            while (true)
            {
                var entries = await store.Logs.ReadAsync(id, seq, 500, cancellationToken);
                foreach (var entry in entries)
                {
                    await WriteEventAsync(response, "log", entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), LogEntryView.From(entry), cancellationToken);
                    seq = entry.Seq;
                }

                if (entries.Count == 500)
                {
                    continue;
                }

                // Entries written with the result are committed with it, so once the run is finished nothing more comes.
                if (run.IsFinished)
                {
                    await WriteEventAsync(response, "end", null, await RunViews.OneAsync(run, store.Tasks, cancellationToken), cancellationToken);
                    return;
                }

                if (entries.Count == 0 && (quiet += FollowInterval) >= KeepAliveInterval)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    quiet = TimeSpan.Zero;
                }

                await Task.Delay(FollowInterval, time, cancellationToken);
                run = await store.Runs.FindAsync(id, cancellationToken) ?? run with { Status = RunStatus.Cancelled, Error = "the run was deleted" };
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away, or the daemon is stopping.
        }
    }

    private static async Task<Ok<RunView>> CancelAsync(string id, HttpContext http, TaskService service, IAgentCronStore store, CancellationToken cancellationToken)
    {
        if (RunTokenAccess.RunCaller(http) is { } caller)
        {
            await service.RequireRunChainAsync((await service.GetRunAsync(id, cancellationToken)).TaskId, caller, cancellationToken);
        }

        return TypedResults.Ok(await RunViews.OneAsync(await service.CancelRunAsync(id, cancellationToken), store.Tasks, cancellationToken));
    }

    private static async Task WriteEventAsync<T>(HttpResponse response, string type, string? id, T data, CancellationToken cancellationToken)
    {
        var text = $"{(id is null ? "" : $"id: {id}\n")}event: {type}\ndata: {JsonSerializer.Serialize(data, ApiJson.Options)}\n\n";
        await response.WriteAsync(text, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
