namespace AgentCron.Core.Model;

/// <summary>
/// Where a task's results go besides its chat thread: <c>NAME[:CHANNEL[:THREAD]]</c>, a configured channel's name (or
/// its type, when only one channel has that type), the place in it (a chat, a channel id, an address; the channel's
/// default when left out) and a thread in that place.
/// </summary>
public sealed record DeliveryTarget(string Channel, string? To, string? Thread)
{
    public override string ToString() => To is null ? Channel : Thread is null ? $"{Channel}:{To}" : $"{Channel}:{To}:{Thread}";

    /// <summary>Parses <c>NAME[:CHANNEL[:THREAD]]</c>; throws <see cref="InvalidFieldException"/> on <paramref name="field"/>.</summary>
    public static DeliveryTarget Parse(string text, string field)
    {
        var parts = text.Trim().Split(':', 3);
        if (parts.Any(string.IsNullOrWhiteSpace) || text.Any(char.IsControl))
        {
            throw new InvalidFieldException(field, $"'{text}' is not a delivery target; write NAME, NAME:CHANNEL or NAME:CHANNEL:THREAD, where NAME is a channel configured under Channels (e.g. ops-hook, slack:C024BE91L)");
        }

        // Channel names are lower case (config.yaml's keys are matched in any case).
        return new DeliveryTarget(parts[0].ToLowerInvariant(), parts.Length > 1 ? parts[1] : null, parts.Length > 2 ? parts[2] : null);
    }

    /// <summary>The target a task's chat thread is delivered to: the thread's platform names the channel.</summary>
    public static DeliveryTarget Of(ThreadAnchor thread) => new(thread.Platform, thread.Channel, thread.Thread);
}

/// <summary>A message the outbox sends: a run's result, or an alert about its task.</summary>
public enum DeliveryKind
{
    /// <summary>The run's result: which task and run, how it ended, its output or error.</summary>
    Result,

    /// <summary>The task failed several runs in a row, or was paused for it.</summary>
    Alert,
}

/// <summary>Where a delivery is: waiting for its next try (or in one), at the receiver, or given up after its last try.</summary>
public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>
/// One message set of the outbox: a run's result (or an alert) for one target. Written in the transaction that finishes
/// the run; at most one per run, target and kind. A try is claimed like a run: its <see cref="Attempts"/> counted up and
/// <see cref="NextAttemptAt"/> moved past the try's end, under <see cref="LeaseOwner"/>, so a daemon that dies in a try
/// leaves the delivery due again, and only the holder of the latest try may write its outcome (fencing).
/// </summary>
public sealed record Delivery
{
    public required string Id { get; init; }
    public required string RunId { get; init; }
    public required string TaskId { get; init; }
    public required DeliveryTarget Target { get; init; }
    public DeliveryKind Kind { get; init; }
    public DeliveryStatus Status { get; init; }

    /// <summary>Tries made (or being made) since the delivery was written or retried by hand.</summary>
    public int Attempts { get; init; }

    /// <summary>When the next try is due (while a try runs: when it is given up for lost).</summary>
    public DateTimeOffset NextAttemptAt { get; init; }

    public string? LeaseOwner { get; init; }

    /// <summary>Chunks of the message the receiver has; the next try goes on from there.</summary>
    public int ChunksSent { get; init; }

    /// <summary>The receiver's id for what it got (the first chunk's, for a message in chunks).</summary>
    public string? RemoteId { get; init; }

    public string? LastError { get; init; }

    /// <summary>What an alert says is wrong with the task (null for a result).</summary>
    public string? Note { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
}

/// <summary>
/// A delivery the completion of a run writes (<see cref="Ports.Completion.Deliveries"/>): an alert with its
/// <paramref name="Note"/>; one with a <paramref name="CoolDown"/> is left out when the task had an alert to the same
/// target that recently.
/// </summary>
public sealed record NewDelivery(DeliveryTarget Target, DeliveryKind Kind, string? Note = null, TimeSpan? CoolDown = null);
