using AgentCron.Core.Ports;

namespace AgentCron.TestKit;

/// <summary>Claims with a limit known up front, as most store tests ask (the engine counts its free slots when the claim runs).</summary>
public static class RunStoreClaims
{
    public static Task<IReadOnlyList<ClaimedRun>> ClaimAsync(this IRunStore runs, string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        runs.ClaimAsync(owner, now, leaseUntil, () => limit, cancellationToken);
}
