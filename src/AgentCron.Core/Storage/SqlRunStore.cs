using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

internal sealed class SqlRunStore(IStoreDatabase db, StoreStatements statements, TimeProvider time) : IRunStore
{
    private readonly CompletionGroups _completions = new(db, statements);

    private SqlDialect Dialect => statements.Dialect;

    private Rows Rows => statements.Rows;

    public Task<TaskRun?> FindAsync(string runId, CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => statements.FindRunAsync(connection, runId, false, ct), cancellationToken);

    public Task<Page<TaskRun>> ListAsync(RunQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(
            (connection, ct) => new Filters()
                .Add("task_id = @task", Dialect.Text("task", query.TaskId))
                .Add("status = @status", Dialect.Text("status", query.Status is { } s ? EnumText.ToText(s) : null))
                .Add("id < @cursor", Dialect.Text("cursor", query.Cursor))
                .PageAsync(Dialect, connection, $"SELECT {Rows.RunColumns} FROM runs", "id DESC", query.Limit, Rows.ReadRun, r => r.Id, ct),
            cancellationToken);

    public Task InsertAsync(TaskRun run, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            await statements.InsertRunAsync(write.Connection, run, ct);
            write.WakeOtherNodes();
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, Func<int> limit, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<ClaimedRun>>(async (write, ct) =>
        {
            var count = limit();
            if (count <= 0)
            {
                return [];
            }

            var (until, lease) = Dialect.LeaseUntil(now, leaseUntil);
            var runs = await Dialect.QueryAsync(
                write.Connection,
                Dialect.Claim(until),
                [Dialect.Text("owner", owner), Dialect.Instant("now", now), Dialect.Int("limit", count), .. lease],
                Rows.ReadRun,
                ct);
            // RETURNING has no order of its own.
            return await statements.WithTasksAsync(write.Connection, [.. runs.OrderBy(r => r.NotBefore).ThenBy(r => r.Id, StringComparer.Ordinal)], ct);
        }, cancellationToken);

    public Task<DateTimeOffset?> NextQueuedAtAsync(DateTimeOffset? after, CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => Dialect.InstantAsync(connection, Dialect.NextQueuedAt(after is not null), after is null ? [] : [Dialect.Instant("after", after)], ct), cancellationToken);

    public Task SetProcessAsync(string runId, int attempt, string owner, string host, int pid, string? identity, CancellationToken cancellationToken) =>
        db.WriteAsync(
            (write, ct) => Dialect.ExecuteAsync(
                write.Connection,
                "UPDATE runs SET host = @host, pid = @pid, pid_identity = @identity WHERE id = @id AND attempt = @attempt AND lease_owner = @owner AND status = 'running'",
                [Dialect.Text("host", host), Dialect.Int("pid", pid), Dialect.Text("identity", identity), Dialect.Text("id", runId), Dialect.Int("attempt", attempt), Dialect.Text("owner", owner)],
                ct),
            cancellationToken);

    public Task<IReadOnlyList<LeaseState>> RenewLeasesAsync(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        runIds.Count == 0 ? Task.FromResult<IReadOnlyList<LeaseState>>([]) : db.WriteAsync<IReadOnlyList<LeaseState>>(async (write, ct) =>
        {
            var (until, lease) = Dialect.LeaseUntil(time.GetUtcNow(), leaseUntil);
            return await Dialect.QueryAsync(
                write.Connection,
                $"""
                UPDATE runs SET lease_expires_at = {until}
                WHERE lease_owner = @owner AND status = 'running' AND {Dialect.InList("id", "@ids")}
                RETURNING id, cancel_requested
                """,
                [Dialect.Text("owner", owner), Dialect.TextList("ids", runIds), .. lease],
                r => new LeaseState(r.GetString(0), Dialect.ReadFlag(r, 1)),
                ct);
        }, cancellationToken);

    public Task<bool> CompleteAsync(string runId, int attempt, string owner, Func<ClaimedRun, Completion> decide, IReadOnlyList<NewRunLogEvent> logTail, CancellationToken cancellationToken) =>
        _completions.CompleteAsync(runId, attempt, owner, decide, logTail);

    public Task<IReadOnlyList<TaskRun>> RecoverExpiredAsync(DateTimeOffset now, int limit, Func<ClaimedRun, Completion?> recover, CancellationToken cancellationToken) =>
        db.WriteAsync<IReadOnlyList<TaskRun>>(async (write, ct) =>
        {
            // Skipping locked rows: a run whose owner is completing or renewing it right now is left to that owner; if its
            // lease is still expired afterwards, the next pass takes it.
            var (expiredBefore, clock) = Dialect.LeaseNow(now);
            var expired = await Dialect.QueryAsync(write.Connection, Dialect.ExpiredRuns(expiredBefore), [.. clock, Dialect.Int("limit", limit)], Rows.ReadRun, ct);
            var tasks = await statements.LockTasksAsync(write.Connection, [.. expired.Select(r => r.TaskId)], ct);
            var recovered = new List<TaskRun>(expired.Count);
            var completions = new List<Completion>(expired.Count);
            foreach (var run in expired)
            {
                if (recover(new ClaimedRun(run, tasks[run.TaskId])) is not { } completion)
                {
                    continue;
                }

                tasks[run.TaskId] = completion.Task;
                completions.Add(completion);
                recovered.Add(run);
            }

            await statements.WriteCompletionsAsync(write, completions, null, ct);
            return recovered;
        }, cancellationToken);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => Dialect.NextLeaseExpiryAsync(connection, time.GetUtcNow(), ct), cancellationToken);

    public Task<TaskRun?> CancelAsync(string runId, DateTimeOffset now, Func<ClaimedRun, Completion> finish, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var run = await statements.FindRunAsync(write.Connection, runId, true, ct);
            switch (run?.Status)
            {
                case RunStatus.Queued:
                    var completion = finish(new ClaimedRun(run, (await statements.LockTasksAsync(write.Connection, [run.TaskId], ct))[run.TaskId]));
                    await statements.WriteCompletionsAsync(write, [completion], null, ct);
                    return completion.Run;
                case RunStatus.Running:
                    await Dialect.ExecuteAsync(write.Connection, "UPDATE runs SET cancel_requested = TRUE WHERE id = @id", [Dialect.Text("id", runId)], ct);
                    return run with { CancelRequested = true };
                default:
                    return run;
            }
        }, cancellationToken);

    public Task<IReadOnlyList<TaskRun>> ActiveRunsAsync(string taskId, CancellationToken cancellationToken) =>
        db.ReadAsync<IReadOnlyList<TaskRun>>(
            async (connection, ct) => await Dialect.QueryAsync(
                connection,
                $"SELECT {Rows.RunColumns} FROM runs WHERE task_id = @task AND status IN ('queued', 'running') ORDER BY id",
                [Dialect.Text("task", taskId)],
                Rows.ReadRun,
                ct),
            cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset olderThan, int keepPerTask, int batchSize, CancellationToken cancellationToken) =>
        db.WriteAsync(
            (write, ct) => Dialect.ExecuteAsync(
                write.Connection,
                """
                DELETE FROM runs WHERE id IN (
                    SELECT id FROM (
                        SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < @cutoff
                        UNION
                        SELECT id FROM (
                            SELECT id, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY finished_at DESC, id DESC) AS n
                            FROM runs WHERE finished_at IS NOT NULL) ranked
                        WHERE n > @keep) doomed
                    WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = doomed.id AND d.status = 'pending')
                    LIMIT @batch)
                """,
                [Dialect.Instant("cutoff", olderThan), Dialect.Int("keep", keepPerTask), Dialect.Int("batch", batchSize)],
                ct),
            cancellationToken);
}
