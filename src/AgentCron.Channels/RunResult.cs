namespace AgentCron.Channels;

/// <summary>What every channel says about a finished run: which task and run, how it ended, its output or error, and where to see it.</summary>
public sealed record RunResult(
    string TaskId,
    string TaskName,
    string RunId,
    int Attempt,
    string Status,
    DateTimeOffset FinishedAt,
    string? Output,
    string? Error,
    Uri? RunUrl);

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
