using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Engine;

/// <summary>
/// What the outbox does, decided without side effects: which deliveries a finished run writes (its result to each of its
/// task's targets, an alert when the task keeps failing or was paused for it) and what a try's outcome does to its
/// delivery (delivered, tried again after a backoff, or dead).
/// </summary>
public sealed class DeliveryPolicy(DeliveryChannels channels, DeliveryOptions options)
{
    public DeliveryOptions Options => options;

    public DeliveryChannels Channels => channels;

    /// <summary>
    /// Where a task's results go: its chat thread, when a configured channel serves the thread's platform (a thread
    /// without one keeps only the agent's session), and each of its <see cref="AgentTask.Deliver"/> targets — one that
    /// names the thread's chat without a thread is the thread.
    /// </summary>
    public IReadOnlyList<DeliveryTarget> Targets(AgentTask task)
    {
        var targets = new List<DeliveryTarget>();
        var thread = task.Thread is { } anchor && channels.Find(anchor.Platform) is { } served ? (Channel: served, Target: DeliveryTarget.Of(anchor)) : default;
        if (thread.Target is not null)
        {
            targets.Add(thread.Target);
        }

        foreach (var target in task.Deliver)
        {
            var sameChat = thread.Target is not null && target.Thread is null && channels.Find(target.Channel) == thread.Channel
                && string.Equals(target.To ?? thread.Channel.DefaultTo, thread.Target.To, StringComparison.Ordinal);
            if (!sameChat && !targets.Contains(target))
            {
                targets.Add(target);
            }
        }

        return targets;
    }

    /// <summary>
    /// <paramref name="completion"/> with the deliveries it writes: for a run that ran and ended, its result to every
    /// target; and an alert when its task was paused by this run, or has failed <see cref="DeliveryOptions.AlertAfterFailures"/>
    /// runs or more in a row (then at most one per cool-down). A run that goes back to the queue writes none.
    /// </summary>
    public Completion Add(Completion completion, AgentTask before)
    {
        var (run, task) = completion;
        if (!run.IsFinished || run.StartedAt is null || Targets(task) is not { Count: > 0 } targets)
        {
            return completion;
        }

        var deliveries = targets.Select(t => new NewDelivery(t, DeliveryKind.Result)).ToList();
        if (task.Status == TaskState.Paused && before.Status == TaskState.Active)
        {
            deliveries.AddRange(targets.Select(t => new NewDelivery(t, DeliveryKind.Alert, $"paused: {task.StatusReason}")));
        }
        else if (options.AlertAfterFailures > 0 && task.ConsecutiveFailures >= options.AlertAfterFailures)
        {
            deliveries.AddRange(targets.Select(t => new NewDelivery(t, DeliveryKind.Alert, $"failed {task.ConsecutiveFailures} runs in a row", options.AlertCooldown)));
        }

        return completion with { Deliveries = deliveries };
    }

    /// <summary>
    /// The delivery's state after a try that ended in <paramref name="result"/>: delivered; pending again after the
    /// backoff of its try count (or the receiver's own wait, if longer); or dead after a final answer or its last try. A
    /// delivered post that started a thread (<paramref name="to"/>: the place it went) names it.
    /// </summary>
    public DeliveryDecision AfterTry(Delivery delivery, SendResult result, IDeliveryChannel? channel, string? to, DateTimeOffset now, Random random)
    {
        var chunks = Math.Max(result.ChunksSent, delivery.ChunksSent);
        // The message's id is its first chunk's, whichever try posted it.
        var remoteId = delivery.RemoteId ?? result.RemoteId;
        if (result.Outcome == SendOutcome.Delivered)
        {
            var started = channel is { StartsThreads: true } && delivery.Target.Thread is null && to is not null && remoteId is not null
                ? new ThreadAnchor(delivery.Target.Channel.ToLowerInvariant(), to, remoteId)
                : null;
            return new DeliveryDecision(DeliveryStatus.Delivered, now, chunks, remoteId, null, now, started);
        }

        if (result.Outcome == SendOutcome.Retry && delivery.Attempts < options.MaxAttempts)
        {
            var backoff = Backoff.Delay(delivery.Attempts, options.RetryBaseDelay, options.RetryMaxDelay, random);
            var wait = result.RetryAfter is { } asked && asked > backoff ? asked : backoff;
            return new DeliveryDecision(DeliveryStatus.Pending, now + wait, chunks, remoteId, result.Error, null);
        }

        var why = result.Outcome == SendOutcome.Retry ? $"{result.Error} (gave up after {delivery.Attempts} tries)" : result.Error;
        return new DeliveryDecision(DeliveryStatus.Dead, now, chunks, remoteId, why, null);
    }

    /// <summary>
    /// The thread a task has once a delivery to it started <paramref name="started"/>: a task anchored to the chat
    /// without a thread (or to none) now belongs to the new thread, so its next results and its follow-ups land in it.
    /// Null when the task keeps the thread it has.
    /// </summary>
    public static ThreadAnchor? Recorded(AgentTask task, ThreadAnchor started) => task.Thread switch
    {
        null => started,
        { Thread: null } chat when chat.Platform == started.Platform && chat.Channel == started.Channel => started,
        _ => null,
    };
}
