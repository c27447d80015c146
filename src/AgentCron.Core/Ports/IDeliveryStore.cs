using AgentCron.Core.Model;

namespace AgentCron.Core.Ports;

public sealed record DeliveryQuery(string? RunId = null, DeliveryStatus? Status = null, string? Cursor = null, int Limit = 50);

/// <summary>A delivery claimed for a try, with what its message says.</summary>
public sealed record ClaimedDelivery(Delivery Delivery, RunResult Result);

/// <summary>
/// How a try ends for the outbox (<see cref="Engine.DeliveryPolicy.AfterTry"/>): the delivery's new state, and — when
/// the try started a thread for a task that had none — the thread to record on the task.
/// </summary>
public sealed record DeliveryDecision(
    DeliveryStatus Status,
    DateTimeOffset NextAttemptAt,
    int ChunksSent,
    string? RemoteId,
    string? Error,
    DateTimeOffset? DeliveredAt,
    ThreadAnchor? StartedThread = null);

/// <summary>The outbox: deliveries written with their runs' results (<see cref="Completion.Deliveries"/>), claimed and tried like runs.</summary>
public interface IDeliveryStore
{
    Task<Delivery?> FindAsync(string deliveryId, CancellationToken cancellationToken);

    /// <summary>Deliveries newest first, filtered and paginated server-side.</summary>
    Task<Page<Delivery>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="limit"/> pending deliveries due at <paramref name="now"/>, oldest due first, for a try
    /// by <paramref name="owner"/>: each one's attempts counted up, its next try moved to <paramref name="tryUntil"/> (so
    /// a try its daemon never ends is made again then) and its owner set. Two callers never get the same try. Deliveries
    /// whose target names one of <paramref name="skipping"/> as its channel are left for later (a channel with as many
    /// tries in progress as it may have).
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset tryUntil, int limit, IReadOnlyCollection<string> skipping, CancellationToken cancellationToken);

    /// <summary>
    /// Writes how the try of <paramref name="claimed"/> ended — only if it is still the latest try and its owner's
    /// (fencing) — and records a thread it started on the task (and on the follow-ups of its run that were anchored to
    /// the chat without a thread, with the chat's agent sessions). Returns false, writing nothing, when fenced out.
    /// </summary>
    Task<bool> FinishTryAsync(Delivery claimed, DeliveryDecision decision, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps how far the try of <paramref name="claimed"/> has got with a message in chunks, while it goes on — only if it
    /// is still the latest try and its owner's. The next try goes on from there.
    /// </summary>
    Task<bool> RecordProgressAsync(Delivery claimed, ChunkCursor cursor, CancellationToken cancellationToken);

    /// <summary>When the earliest pending delivery is due (a try in progress: when it is given up for lost), or null.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes a dead (or waiting) delivery due at <paramref name="now"/> with its tries counted from zero. Null when it does
    /// not exist; <see cref="ConflictException"/> when it was delivered or a try of it is in progress.
    /// </summary>
    Task<Delivery?> RetryAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken);
}
