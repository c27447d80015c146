using Npgsql;

namespace AgentCron.Postgres;

/// <summary>Which clock judges leases: when one is written to run out, and whether it has.</summary>
public enum LeaseClock
{
    /// <summary>
    /// The database server's clock (production). A lease is written as <c>clock_timestamp()</c> plus its length (the
    /// caller's <c>leaseUntil - now</c>) and is expired when the server's clock passes it, so a node whose clock is off
    /// neither steals live leases (clock ahead) nor keeps dead ones (clock behind). Only lengths come from the node.
    /// </summary>
    Database,

    /// <summary>
    /// The instants the caller passes (<c>now</c>, <c>leaseUntil</c>), exactly as the SQLite store does — for the store
    /// compliance suite, which drives time explicitly, and for single-machine use where there is only one clock.
    /// </summary>
    Caller,
}

/// <summary>
/// The SQL of lease times for one <see cref="LeaseClock"/>. Every statement that writes or judges a lease takes its
/// expressions from here, so the clock is chosen in one place.
/// </summary>
internal sealed class Leases(LeaseClock clock, TimeProvider time)
{
    public LeaseClock Clock => clock;

    /// <summary>
    /// The instant a lease that the caller wants until <paramref name="leaseUntil"/> (on its clock, read at
    /// <paramref name="now"/>) runs out: on the database clock, the server's time plus the lease's length.
    /// </summary>
    public (string Sql, NpgsqlParameter Parameter) Until(DateTimeOffset now, DateTimeOffset leaseUntil) => clock == LeaseClock.Database
        ? ("clock_timestamp() + @lease_for", Sql.Interval("lease_for", leaseUntil - now))
        : ("@lease_until", Sql.Time("lease_until", leaseUntil));

    /// <summary>As <see cref="Until(DateTimeOffset, DateTimeOffset)"/>, when the caller's now is its <see cref="TimeProvider"/>'s (heartbeats).</summary>
    public (string Sql, NpgsqlParameter Parameter) Until(DateTimeOffset leaseUntil) => Until(time.GetUtcNow(), leaseUntil);

    /// <summary>The instant against which expiry is judged, and the parameters it needs.</summary>
    public (string Sql, IReadOnlyList<NpgsqlParameter> Parameters) Now(DateTimeOffset now) => clock == LeaseClock.Database
        ? ("clock_timestamp()", [])
        : ("@lease_now", [Sql.Time("lease_now", now)]);

    /// <summary>
    /// The earliest lease expiry, on the caller's clock: in database mode the caller's now plus the time the server
    /// says is left, so the reaper sleeps the right time however far the node's clock is off.
    /// </summary>
    public async Task<DateTimeOffset?> NextExpiryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (clock == LeaseClock.Database)
        {
            var left = await Sql.ScalarAsync<TimeSpan?>(connection, "SELECT MIN(lease_expires_at) - clock_timestamp() FROM runs WHERE status = 'running'", [], cancellationToken);
            return left is { } l ? time.GetUtcNow() + l : null;
        }

        return await Sql.ScalarAsync<DateTimeOffset?>(connection, "SELECT MIN(lease_expires_at) FROM runs WHERE status = 'running'", [], cancellationToken);
    }
}
