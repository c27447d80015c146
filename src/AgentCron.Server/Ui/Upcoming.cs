using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.Core.Triggers;

namespace AgentCron.Server.Ui;

/// <summary>The occurrences of every active task in a horizon, from the triggers' own preview (as <c>agentcron preview</c>).</summary>
public static class Upcoming
{
    /// <summary>Occurrences of two tasks at most this far apart are marked as close.</summary>
    public static readonly TimeSpan Close = TimeSpan.FromMinutes(5);

    public const int MaxItems = 500;

    /// <summary>One occurrence: when, of which task (and its agent), and whether another task has one within <see cref="Close"/>.</summary>
    public sealed record Item(DateTimeOffset At, string TaskId, string TaskName, string Agent, bool Collides);

    public static async Task<(IReadOnlyList<Item> Items, bool Truncated)> ListAsync(IAgentCronStore store, DateTimeOffset now, TimeSpan horizon, CancellationToken cancellationToken)
    {
        var occurrences = new List<Item>();
        string? cursor = null;
        do
        {
            var page = await store.Tasks.ListAsync(new TaskQuery(TaskState.Active, cursor, 500), cancellationToken);
            foreach (var task in page.Items.Where(t => t.Trigger is not null && t.NextFireAt is not null))
            {
                // The next fire time (due now if it has passed), then the trigger's own next ones.
                var first = task.NextFireAt!.Value;
                var times = new List<DateTimeOffset> { first };
                times.AddRange(Trigger.Preview(task.Trigger!, first, MaxItems).TakeWhile(t => t <= now + horizon));
                occurrences.AddRange(times.Where(t => t <= now + horizon).Select(t => new Item(t < now ? now : t, task.Id, task.Name, task.Agent.Provider, false)));
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var ordered = occurrences.OrderBy(i => i.At).ThenBy(i => i.TaskName, StringComparer.Ordinal).ToList();
        var marked = ordered.Select((item, i) => item with
        {
            Collides = Near(ordered, i, -1) || Near(ordered, i, +1),
        }).Take(MaxItems).ToList();
        return (marked, ordered.Count > MaxItems);
    }

    /// <summary>Whether the neighbours of item <paramref name="i"/> in direction <paramref name="step"/> include another task within <see cref="Close"/>.</summary>
    private static bool Near(List<Item> items, int i, int step)
    {
        for (var j = i + step; j >= 0 && j < items.Count && (items[j].At - items[i].At).Duration() <= Close; j += step)
        {
            if (items[j].TaskId != items[i].TaskId)
            {
                return true;
            }
        }

        return false;
    }
}
