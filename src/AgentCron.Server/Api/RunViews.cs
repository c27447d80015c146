using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Server.Api;

/// <summary>Runs as the API returns them: each with its task's slug, which people read more easily than the task's id.</summary>
internal static class RunViews
{
    public static async Task<RunView> OneAsync(TaskRun run, ITaskStore tasks, CancellationToken cancellationToken) =>
        RunView.From(run, (await tasks.FindAsync(run.TaskId, cancellationToken))?.Slug);

    /// <summary>A run with its deliveries (all of them: a run has one per target and kind), as <c>runs show</c> and the web UI show it.</summary>
    public static async Task<RunView> WithDeliveriesAsync(TaskRun run, IAgentCronStore store, CancellationToken cancellationToken)
    {
        var deliveries = await store.Deliveries.ListAsync(new DeliveryQuery(run.Id, Limit: 1000), cancellationToken);
        return await OneAsync(run, store.Tasks, cancellationToken) with { Deliveries = [.. deliveries.Items.Reverse().Select(DeliveryView.From)] };
    }

    /// <summary>Reads each task once, however many of its runs the page holds.</summary>
    public static async Task<List<RunView>> ManyAsync(IReadOnlyList<TaskRun> runs, ITaskStore tasks, CancellationToken cancellationToken)
    {
        var slugs = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var taskId in runs.Select(r => r.TaskId).Distinct())
        {
            slugs[taskId] = (await tasks.FindAsync(taskId, cancellationToken))?.Slug;
        }

        return [.. runs.Select(r => RunView.From(r, slugs[r.TaskId]))];
    }
}
