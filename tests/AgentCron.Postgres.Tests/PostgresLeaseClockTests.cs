using AgentCron.Core.Model;
using AgentCron.Core.Storage;
using AgentCron.TestKit;

namespace AgentCron.Postgres.Tests;

/// <summary>
/// Leases on the database clock (<see cref="LeaseClock.Database"/>): nodes whose clocks are hours apart agree on which
/// leases are alive, because only lease lengths come from the node. And fencing: an attempt whose lease was taken over
/// writes nothing.
/// </summary>
public sealed class PostgresLeaseClockTests(PostgresDatabaseFixture fixture) : PostgresTestBase(fixture)
{
    private static readonly TimeSpan Skew = TimeSpan.FromHours(3);
    private readonly SkewedTimeProvider _ahead = new(Skew);
    private readonly SkewedTimeProvider _behind = new(-Skew);

    [Fact]
    public async Task ClaimAsync_WritesTheLeaseOnTheDatabaseClock_WhateverTheNodesClockSays()
    {
        var database = await NewDatabaseAsync();
        var behind = await OpenMigratedAsync(database, time: _behind);
        var now = _behind.GetUtcNow();
        await InsertRunAsync(behind, await CreateTaskAsync(behind), now.AddHours(-1));
        var server = await ConnectAsync(database);

        var before = await ServerNowAsync(server);
        var claimed = Assert.Single(await behind.Runs.ClaimAsync("node-behind", now, now.AddSeconds(30), 1, None));
        var after = await ServerNowAsync(server);

        Assert.InRange(claimed.Run.LeaseExpiresAt!.Value, before.AddSeconds(30), after.AddSeconds(30));
        Assert.Equal(claimed.Run, await behind.Runs.FindAsync(claimed.Run.Id, None));

        // The node's own view of the next expiry is in its own clock: about 30 s from its now.
        var next = await behind.Runs.NextLeaseExpiryAsync(None);
        Assert.InRange(next!.Value, now.AddSeconds(25), _behind.GetUtcNow().AddSeconds(30));
    }

    [Fact]
    public async Task RecoverExpiredAsync_LeavesALiveLease_WhenTheRecoveringNodesClockIsHoursAhead()
    {
        var database = await NewDatabaseAsync();
        var behind = await OpenMigratedAsync(database, time: _behind);
        var ahead = await OpenMigratedAsync(database, time: _ahead);
        var now = _behind.GetUtcNow();
        var run = await InsertRunAsync(behind, await CreateTaskAsync(behind), now.AddHours(-1));
        await behind.Runs.ClaimAsync("node-behind", now, now.AddSeconds(30), 1, None);

        // On its own clock the lease ran out six hours ago; the database says it has 30 s to go.
        var recovered = await ahead.Runs.RecoverExpiredAsync(_ahead.GetUtcNow(), 10, c => Requeue(c, _ahead.GetUtcNow()), None);

        Assert.Empty(recovered);
        Assert.Equal(("node-behind", RunStatus.Running), ((await ahead.Runs.FindAsync(run.Id, None))!.LeaseOwner, (await ahead.Runs.FindAsync(run.Id, None))!.Status));
        Assert.True(await ahead.Runs.NextLeaseExpiryAsync(None) > _ahead.GetUtcNow(), "the reaper on the fast node must sleep, not spin");
        Assert.Single(await behind.Runs.RenewLeasesAsync("node-behind", [run.Id], _behind.GetUtcNow().AddSeconds(30), None));
    }

    [Fact]
    public async Task RecoverExpiredAsync_TakesADeadLease_WhenTheRecoveringNodesClockIsHoursBehind()
    {
        var database = await NewDatabaseAsync();
        var ahead = await OpenMigratedAsync(database, time: _ahead);
        var behind = await OpenMigratedAsync(database, time: _behind);
        var now = _ahead.GetUtcNow();
        var run = await InsertRunAsync(ahead, await CreateTaskAsync(ahead), now.AddHours(-7));
        await ahead.Runs.ClaimAsync("node-ahead", now, now.AddMilliseconds(300), 1, None);

        // The owner died. On the slow node's clock the lease has six hours to go; on the database's it is over in 300 ms.
        var recovered = await Eventually.GetAsync(
            async () =>
            {
                var next = await behind.Runs.NextLeaseExpiryAsync(None);
                if (next > _behind.GetUtcNow())
                {
                    return null;
                }

                var taken = await behind.Runs.RecoverExpiredAsync(_behind.GetUtcNow(), 10, c => Requeue(c, _behind.GetUtcNow()), None);
                return taken.Count > 0 ? taken : null;
            },
            TimeSpan.FromSeconds(10),
            "the slow node to recover the dead lease");

        Assert.Equal(run.Id, Assert.Single(recovered).Id);
        var requeued = (await behind.Runs.FindAsync(run.Id, None))!;
        Assert.Equal((RunStatus.Queued, 2, (string?)null), (requeued.Status, requeued.Attempt, requeued.LeaseOwner));
    }

    [Fact]
    public async Task RenewLeasesAsync_ExtendsFromTheDatabaseClock_ByTheLeaseLength()
    {
        var database = await NewDatabaseAsync();
        var ahead = await OpenMigratedAsync(database, time: _ahead);
        var now = _ahead.GetUtcNow();
        var run = await InsertRunAsync(ahead, await CreateTaskAsync(ahead), now.AddHours(-7));
        await ahead.Runs.ClaimAsync("node-ahead", now, now.AddSeconds(1), 1, None);
        var server = await ConnectAsync(database);

        var before = await ServerNowAsync(server);
        Assert.Single(await ahead.Runs.RenewLeasesAsync("node-ahead", [run.Id], _ahead.GetUtcNow().AddMinutes(2), None));
        var after = await ServerNowAsync(server);

        Assert.InRange((await ahead.Runs.FindAsync(run.Id, None))!.LeaseExpiresAt!.Value, before.AddMinutes(2).AddSeconds(-1), after.AddMinutes(2));
    }

    [Fact]
    public async Task CompleteAsync_WritesNothing_WhenAPausedOwnerReportsAfterItsLeaseWasTakenOver()
    {
        var database = await NewDatabaseAsync();
        var paused = await OpenMigratedAsync(database);
        var other = await OpenMigratedAsync(database);
        var task = await CreateTaskAsync(paused);
        var run = await InsertRunAsync(paused, task, TimeProvider.System.GetUtcNow().AddMinutes(-1), exclusive: true);
        var now = TimeProvider.System.GetUtcNow();
        await paused.Runs.ClaimAsync("node-paused", now, now.AddMilliseconds(300), 1, None);

        // node-paused stops heartbeating (a long GC pause, a suspended VM); node-other recovers the run and takes it over.
        await Eventually.TrueAsync(
            async () => (await other.Runs.RecoverExpiredAsync(TimeProvider.System.GetUtcNow(), 10, c => Requeue(c, c.Run.NotBefore), None)).Count == 1,
            TimeSpan.FromSeconds(10),
            "the expired lease to be recovered");
        var takeover = Assert.Single(await other.Runs.ClaimAsync("node-other", TimeProvider.System.GetUtcNow(), TimeProvider.System.GetUtcNow().AddMinutes(5), 1, None));
        Assert.Equal(2, takeover.Run.Attempt);

        // node-paused wakes up and does everything a running attempt writes: all of it is refused.
        Assert.Empty(await paused.Runs.RenewLeasesAsync("node-paused", [run.Id], TimeProvider.System.GetUtcNow().AddMinutes(5), None));
        await paused.Runs.SetProcessAsync(run.Id, 1, "node-paused", "paused-host", 999, "boot/999", None);
        Assert.False(await paused.Runs.CompleteAsync(run.Id, 1, "node-paused", c => Finish(c, RunStatus.Failed, TimeProvider.System.GetUtcNow()), [], None));

        Assert.Equal(takeover.Run, await other.Runs.FindAsync(run.Id, None));
        Assert.True(await other.Runs.CompleteAsync(run.Id, 2, "node-other", c => Finish(c, RunStatus.Succeeded, TimeProvider.System.GetUtcNow()), [], None));
    }

    [Fact]
    public async Task CompleteAsync_AndRecovery_NeverBothWin_WhenTheyRace()
    {
        var database = await NewDatabaseAsync();
        var owner = await OpenMigratedAsync(database, LeaseClock.Caller);
        var reaper = await OpenMigratedAsync(database, LeaseClock.Caller);
        var t0 = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var task = await CreateTaskAsync(owner);
        for (var i = 0; i < 40; i++)
        {
            await InsertRunAsync(owner, task, t0.AddMilliseconds(i));
        }

        var claimed = await owner.Runs.ClaimAsync("node-a", t0.AddSeconds(1), t0.AddSeconds(31), 40, None);
        Assert.Equal(40, claimed.Count);

        // Every lease has expired on the caller's clock: the owner's completions and the reaper's recoveries collide.
        var completions = Task.WhenAll(claimed.Select(c => Task.Run(() => owner.Runs.CompleteAsync(c.Run.Id, 1, "node-a", x => Finish(x, RunStatus.Succeeded, t0.AddMinutes(1)), [], None))));
        var recoveries = Task.Run(async () =>
        {
            var total = 0;
            for (var pass = 0; pass < 20; pass++)
            {
                total += (await reaper.Runs.RecoverExpiredAsync(t0.AddMinutes(1), 5, c => Requeue(c, t0.AddMinutes(1)), None)).Count;
            }

            return total;
        });
        var completed = (await completions).Count(ok => ok);
        var recovered = await recoveries;

        Assert.Equal(40, completed + recovered);
        var runs = await Task.WhenAll(claimed.Select(c => owner.Runs.FindAsync(c.Run.Id, None)));
        Assert.Equal(completed, runs.Count(r => r!.Status == RunStatus.Succeeded && r.Attempt == 1));
        Assert.Equal(recovered, runs.Count(r => r!.Status == RunStatus.Queued && r.Attempt == 2));
    }
}
