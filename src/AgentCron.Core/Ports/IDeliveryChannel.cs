namespace AgentCron.Core.Ports;

/// <summary>
/// A configured place results are delivered to (a Slack workspace's bot, a webhook, an SMTP account), by its name in
/// <c>config.yaml</c>. A channel posts one message set per call and says how the try ended; it never throws for what
/// the receiver answered.
/// </summary>
public interface IDeliveryChannel
{
    /// <summary>The channel's name under <c>Channels</c> (lower case).</summary>
    string Name { get; }

    /// <summary>slack, discord, telegram, lark, webhook or email.</summary>
    string Type { get; }

    /// <summary>Where a target that names no place goes (a default chat, an address), or null when a target must name one.</summary>
    string? DefaultTo { get; }

    /// <summary>Whether a place must be named at all (false for a webhook: its URL is the place).</summary>
    bool TakesPlace { get; }

    /// <summary>Whether a post without a thread starts one, whose id is the first message's (<see cref="SendResult.RemoteId"/>).</summary>
    bool StartsThreads { get; }

    Task<SendResult> SendAsync(OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>Asks the platform whether the channel's credentials work, posting nothing.</summary>
    Task<ChannelHealth> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>What a check of a channel found: <c>ok</c>, <c>failing</c> (and what is wrong, never a secret) or <c>unchecked</c> (nothing to ask without posting).</summary>
public sealed record ChannelHealth(string Status, string? Problem)
{
    public static readonly ChannelHealth Ok = new("ok", null);

    public static ChannelHealth Failing(string problem) => new("failing", problem);

    public static ChannelHealth Unchecked(string why) => new("unchecked", why);
}

/// <summary>
/// One try of a delivery: its id (stable across tries, e.g. a webhook's <c>webhook-id</c>), the result, the place and
/// thread, and where a message in chunks goes on (<paramref name="From"/>).
/// </summary>
public sealed record OutgoingMessage(string DeliveryId, RunResult Result, string? To, string? Thread, ChunkCursor From);

/// <summary>
/// Where a message in chunks stands: how many chunks the receiver has (<paramref name="Sent"/>) and the first one's id
/// (<paramref name="FirstId"/>: the thread later chunks go into, or reply to). <see cref="Taken"/>, when set, is called
/// after each chunk the receiver takes but the last, so the outbox keeps the cursor and a try its daemon dies in goes on
/// from there instead of posting the message again.
/// </summary>
public sealed record ChunkCursor(int Sent = 0, string? FirstId = null)
{
    public static readonly ChunkCursor Start = new();

    public Func<ChunkCursor, Task>? Taken { get; init; }
}

/// <summary>
/// What every channel says about a finished run: which task and run, how it ended, its output or error, and where to see
/// it; for an alert, <see cref="Alert"/> says what is wrong with the task.
/// </summary>
public sealed record RunResult(
    string TaskId,
    string TaskName,
    string RunId,
    int Attempt,
    string Status,
    DateTimeOffset FinishedAt,
    string? Output,
    string? Error,
    Uri? RunUrl)
{
    public string? Alert { get; init; }
}

/// <summary>How a try to send ended: the receiver has it, try again later (after <see cref="SendResult.RetryAfter"/> if it said), or it will never take it.</summary>
public enum SendOutcome
{
    Delivered,
    Retry,
    Failed,
}

/// <summary>
/// The end of one try: its outcome, the receiver's id for what it got (where it gives one; for a message in several
/// chunks, the first's), why it was not delivered, and — for a message in chunks — how many chunks the receiver has
/// now, so the next try goes on from there instead of posting them twice.
/// </summary>
public sealed record SendResult(SendOutcome Outcome, string? RemoteId = null, string? Error = null, TimeSpan? RetryAfter = null, int ChunksSent = 0);

/// <summary>
/// The channels configured on this daemon. A target names one by its name, or by its type when exactly one channel has
/// that type (so <c>--thread slack:C1:T1</c> finds the one Slack channel whatever it is called).
/// </summary>
public sealed class DeliveryChannels(IEnumerable<IDeliveryChannel> channels)
{
    public static readonly DeliveryChannels None = new([]);

    public IReadOnlyList<IDeliveryChannel> All { get; } = [.. channels.OrderBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>The channel <paramref name="nameOrType"/> names, or null (none, or several of that type).</summary>
    public IDeliveryChannel? Find(string nameOrType) =>
        All.FirstOrDefault(c => c.Name.Equals(nameOrType, StringComparison.OrdinalIgnoreCase))
        ?? (All.Where(c => c.Type.Equals(nameOrType, StringComparison.OrdinalIgnoreCase)).ToList() is [var only] ? only : null);

    /// <summary>Why <paramref name="nameOrType"/> names no channel, listing the configured ones.</summary>
    public string Unknown(string nameOrType)
    {
        var names = All.Count == 0 ? "none is configured (config.yaml, section Channels)" : "configured: " + string.Join(", ", All.Select(c => $"{c.Name} ({c.Type})"));
        return All.Count(c => c.Type.Equals(nameOrType, StringComparison.OrdinalIgnoreCase)) > 1
            ? $"several channels are of type '{nameOrType}'; name one of them ({names})"
            : $"no channel is named '{nameOrType}'; {names}";
    }
}
