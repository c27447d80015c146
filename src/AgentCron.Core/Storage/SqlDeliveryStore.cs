using System.Data.Common;
using AgentCron.Core.Engine;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;

namespace AgentCron.Core.Storage;

/// <summary>
/// The outbox. Rows are written by <see cref="StoreStatements.WriteCompletionsAsync"/> with the run they deliver; here
/// they are claimed for a try (skipping rows another node is claiming, where nodes interleave), fenced when the try's
/// outcome is written, listed and retried.
/// </summary>
internal sealed class SqlDeliveryStore(IStoreDatabase db, StoreStatements statements, TimeProvider time) : IDeliveryStore
{
    private const string Columns = """
        id, run_id, task_id, target, kind, status, attempts, next_attempt_at, lease_owner, chunks_sent, remote_id,
        last_error, note, created_at, delivered_at
        """;

    private SqlDialect Dialect => statements.Dialect;

    public Task<Delivery?> FindAsync(string deliveryId, CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => FindAsync(connection, deliveryId, false, ct), cancellationToken);

    public Task<Page<Delivery>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken) =>
        db.ReadAsync(
            (connection, ct) => new Filters()
                .Add("run_id = @run", Dialect.Text("run", query.RunId))
                .Add("status = @status", Dialect.Text("status", query.Status is { } s ? EnumText.ToText(s) : null))
                .Add("id < @cursor", Dialect.Text("cursor", query.Cursor))
                .PageAsync(Dialect, connection, $"SELECT {Columns} FROM deliveries", "id DESC", query.Limit, Read, d => d.Id, ct),
            cancellationToken);

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(string owner, DateTimeOffset now, DateTimeOffset tryUntil, int limit, IReadOnlyCollection<string> skipping, CancellationToken cancellationToken) =>
        limit <= 0 ? Task.FromResult<IReadOnlyList<ClaimedDelivery>>([]) : db.WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (write, ct) =>
        {
            // A target is NAME or NAME:…; compared as text, not LIKE, since a name may hold '_'.
            var skip = skipping.Select((name, i) => (Sql: $" AND target <> @skip{i} AND substr(target, 1, length(@skip{i}) + 1) <> @skip{i} || ':'", Parameter: Dialect.Text($"skip{i}", name))).ToList();
            var claimed = await Dialect.QueryAsync(
                write.Connection,
                $"""
                UPDATE deliveries SET attempts = attempts + 1, lease_owner = @owner, next_attempt_at = @until
                WHERE id IN (
                    SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @now{string.Concat(skip.Select(s => s.Sql))}
                    ORDER BY next_attempt_at, id LIMIT @limit{Dialect.ForUpdateSkipLocked})
                RETURNING {Columns}
                """,
                [Dialect.Text("owner", owner), Dialect.Instant("until", tryUntil), Dialect.Instant("now", now), Dialect.Int("limit", limit), .. skip.Select(s => s.Parameter)],
                Read,
                ct);
            if (claimed.Count == 0)
            {
                return [];
            }

            var results = (await Dialect.QueryAsync(
                write.Connection,
                $"""
                SELECT runs.id, runs.task_id, tasks.name, runs.attempt, runs.status, runs.finished_at, runs.output, runs.error
                FROM runs JOIN tasks ON tasks.id = runs.task_id WHERE {Dialect.InList("runs.id", "@runs")}
                """,
                [Dialect.TextList("runs", [.. claimed.Select(d => d.RunId).Distinct(StringComparer.Ordinal)])],
                r => new RunResult(r.GetString(1), r.GetString(2), r.GetString(0), r.GetInt32(3), r.GetString(4), Dialect.ReadInstant(r, 5), Rows.String(r, 6), Rows.String(r, 7), null),
                ct)).ToDictionary(r => r.RunId, StringComparer.Ordinal);
            return [.. claimed.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id, StringComparer.Ordinal).Select(d => new ClaimedDelivery(d, results[d.RunId] with { Alert = d.Note }))];
        }, cancellationToken);

    public Task<bool> FinishTryAsync(Delivery claimed, DeliveryDecision decision, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var changed = await Dialect.ExecuteAsync(
                write.Connection,
                """
                UPDATE deliveries SET status = @status, next_attempt_at = @next, lease_owner = NULL,
                    chunks_sent = CASE WHEN chunks_sent > @chunks THEN chunks_sent ELSE @chunks END,
                    remote_id = COALESCE(remote_id, @remote), last_error = @error, delivered_at = @delivered
                WHERE id = @id AND attempts = @attempts AND lease_owner = @owner AND status = 'pending'
                """,
                [
                    Dialect.Text("status", EnumText.ToText(decision.Status)),
                    Dialect.Instant("next", decision.NextAttemptAt),
                    Dialect.Int("chunks", decision.ChunksSent),
                    Dialect.Text("remote", decision.RemoteId),
                    Dialect.Text("error", decision.Error),
                    Dialect.Instant("delivered", decision.DeliveredAt),
                    Dialect.Text("id", claimed.Id),
                    Dialect.Int("attempts", claimed.Attempts),
                    Dialect.Text("owner", claimed.LeaseOwner),
                ],
                ct);
            if (changed == 0)
            {
                return false;
            }

            if (decision.StartedThread is { } started)
            {
                await RecordThreadAsync(write.Connection, claimed, started, ct);
            }

            return true;
        }, cancellationToken);

    public Task<bool> RecordProgressAsync(Delivery claimed, ChunkCursor cursor, CancellationToken cancellationToken) =>
        db.WriteAsync(
            async (write, ct) => await Dialect.ExecuteAsync(
                write.Connection,
                """
                UPDATE deliveries SET chunks_sent = @chunks, remote_id = COALESCE(remote_id, @remote)
                WHERE id = @id AND attempts = @attempts AND lease_owner = @owner AND status = 'pending' AND chunks_sent < @chunks
                """,
                [Dialect.Int("chunks", cursor.Sent), Dialect.Text("remote", cursor.FirstId), Dialect.Text("id", claimed.Id), Dialect.Int("attempts", claimed.Attempts), Dialect.Text("owner", claimed.LeaseOwner)],
                ct) > 0,
            cancellationToken);

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) =>
        db.ReadAsync((connection, ct) => Dialect.InstantAsync(connection, "SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'", [], ct), cancellationToken);

    public Task<Delivery?> RetryAsync(string deliveryId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.WriteAsync(async (write, ct) =>
        {
            var delivery = await FindAsync(write.Connection, deliveryId, true, ct);
            switch (delivery)
            {
                case null:
                    return null;
                case { Status: DeliveryStatus.Delivered }:
                    throw new ConflictException($"delivery '{deliveryId}' was delivered at {delivery.DeliveredAt:u}; trying it again would post it twice");
                case { Status: DeliveryStatus.Pending, LeaseOwner: not null } when delivery.NextAttemptAt > now:
                    throw new ConflictException($"delivery '{deliveryId}' is being tried right now (try {delivery.Attempts}); wait for its outcome");
            }

            await Dialect.ExecuteAsync(
                write.Connection,
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, lease_owner = NULL WHERE id = @id",
                [Dialect.Instant("now", now), Dialect.Text("id", deliveryId)],
                ct);
            return delivery with { Status = DeliveryStatus.Pending, Attempts = 0, NextAttemptAt = now, LeaseOwner = null };
        }, cancellationToken);

    /// <summary>
    /// A delivery started a thread: the task moves into it if it had none or only its chat (<see cref="DeliveryPolicy.Recorded"/>),
    /// and so do the follow-ups its run created on that chat, which also get the chat's agent sessions, so they continue
    /// the conversation there.
    /// </summary>
    private async Task RecordThreadAsync(DbConnection connection, Delivery delivery, ThreadAnchor started, CancellationToken cancellationToken)
    {
        if (!(await statements.LockTasksAsync(connection, [delivery.TaskId], cancellationToken)).TryGetValue(delivery.TaskId, out var task)
            || DeliveryPolicy.Recorded(task, started) is not { } thread)
        {
            return;
        }

        var now = time.GetUtcNow();
        var moved = new List<SqlStatement>
        {
            new(
                "UPDATE tasks SET thread = @thread, updated_at = @at, version = version + 1 WHERE id = @id",
                [Dialect.Text("thread", thread.ToString()), Dialect.Instant("at", now), Dialect.Text("id", task.Id)]),
        };
        if (task.Thread is { } chat)
        {
            moved.Add(new(
                "UPDATE tasks SET thread = @thread, updated_at = @at, version = version + 1 WHERE created_by_run = @run AND thread = @chat",
                [Dialect.Text("thread", thread.ToString()), Dialect.Instant("at", now), Dialect.Text("run", delivery.RunId), Dialect.Text("chat", chat.ToString())]));
            moved.Add(new(
                """
                INSERT INTO thread_sessions (thread, provider, session_id, updated_at)
                SELECT @thread, provider, session_id, updated_at FROM thread_sessions WHERE thread = @chat
                ON CONFLICT (thread, provider) DO NOTHING
                """,
                [Dialect.Text("thread", thread.ToString()), Dialect.Text("chat", chat.ToString())]));
        }

        await Dialect.ExecuteBatchAsync(connection, moved, cancellationToken);
    }

    private async Task<Delivery?> FindAsync(DbConnection connection, string deliveryId, bool forUpdate, CancellationToken cancellationToken) =>
        (await Dialect.QueryAsync(
            connection,
            $"SELECT {Columns} FROM deliveries WHERE id = @id" + (forUpdate ? Dialect.ForUpdate : ""),
            [Dialect.Text("id", deliveryId)],
            Read,
            cancellationToken)).FirstOrDefault();

    private Delivery Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        RunId = r.GetString(1),
        TaskId = r.GetString(2),
        Target = DeliveryTarget.Parse(r.GetString(3), "target"),
        Kind = EnumText.Parse<DeliveryKind>(r.GetString(4), "kind"),
        Status = EnumText.Parse<DeliveryStatus>(r.GetString(5), "status"),
        Attempts = r.GetInt32(6),
        NextAttemptAt = Dialect.ReadInstant(r, 7),
        LeaseOwner = Rows.String(r, 8),
        ChunksSent = r.GetInt32(9),
        RemoteId = Rows.String(r, 10),
        LastError = Rows.String(r, 11),
        Note = Rows.String(r, 12),
        CreatedAt = Dialect.ReadInstant(r, 13),
        DeliveredAt = statements.Rows.Time(r, 14),
    };
}
