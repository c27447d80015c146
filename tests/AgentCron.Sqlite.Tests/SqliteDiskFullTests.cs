using System.Text.Json;
using AgentCron.Core.Model;
using AgentCron.Core.Ports;
using AgentCron.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite.Tests;

/// <summary>
/// A full disk (SQLITE_FULL, made without root by <see cref="SqliteDiskSpace"/>): every write is answered with the real
/// error, nothing half-written is left, and the store writes again once space returns.
/// </summary>
public sealed class SqliteDiskFullTests : IDisposable
{
    private const int SqliteFull = 13;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Write_FailsWithTheDiskFullError_InsteadOfCannotRollback_WhenTheDatabaseIsFull()
    {
        await using var store = await OpenAsync();
        // SQLite rolls the whole transaction back itself on SQLITE_FULL; the store's own ROLLBACK then failed with "cannot
        // rollback - no transaction is active", and that was the error every caller heard.
        await SqliteDiskSpace.FillAsync(store);

        var error = await Assert.ThrowsAsync<StoreFullException>(() => store.Tasks.CreateAsync(NewTask("big", 100_000), null, None));

        Assert.Equal(SqliteFull, Assert.IsType<SqliteException>(error.InnerException).SqliteErrorCode);
        Assert.Contains("database or disk is full", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_Succeeds_OnceSpaceReturns()
    {
        await using var store = await OpenAsync();
        await SqliteDiskSpace.FillAsync(store);
        var task = NewTask("big", 100_000);
        await Assert.ThrowsAsync<StoreFullException>(() => store.Tasks.CreateAsync(task, null, None));

        await SqliteDiskSpace.FreeAsync(store);
        await store.Tasks.CreateAsync(task, null, None);

        Assert.Equal(task.Instructions, (await store.Tasks.FindAsync(task.Id, None))?.Instructions);
    }

    [Fact]
    public async Task EveryWriteOfABatch_IsAnsweredTruthfully_WhenOneOfThemFillsTheDisk()
    {
        await using var store = await OpenAsync();
        await SqliteDiskSpace.FillAsync(store);
        // Hold the writer, so that the writes below wait together and share one transaction.
        using var gate = new ManualResetEventSlim();
        var holder = store.Database.WriteAsync((_, ct) => Task.FromResult(gate.Wait(TimeSpan.FromSeconds(30), ct)), None);
        var small = NewTask("small", 10);
        var big = NewTask("big", 100_000);
        var writes = new[] { store.Tasks.CreateAsync(small, null, None), store.Tasks.CreateAsync(big, null, None) };
        gate.Set();
        // The holder may share the batch, and then its fate; it wrote nothing either way.
        await Record.ExceptionAsync(() => holder);

        var bigError = await Assert.ThrowsAsync<StoreFullException>(() => writes[1]);
        Assert.Equal(SqliteFull, Assert.IsType<SqliteException>(bigError.InnerException).SqliteErrorCode);
        // The small write may have gone through or been rolled back with the big one; either way it was told the truth.
        var smallError = await Record.ExceptionAsync(() => writes[0]);
        var stored = await store.Tasks.FindAsync(small.Id, None);
        if (smallError is null)
        {
            Assert.NotNull(stored);
        }
        else
        {
            Assert.Equal(SqliteFull, Assert.IsType<SqliteException>(Assert.IsType<StoreFullException>(smallError).InnerException).SqliteErrorCode);
            Assert.Null(stored);
        }

        Assert.Null(await store.Tasks.FindAsync(big.Id, None));
    }

    [Fact]
    public async Task CompleteAsync_WritesTheResultOnce_WhenTriedAgainAfterSpaceReturns()
    {
        await using var store = await OpenAsync();
        var task = NewTask("task", 10);
        await store.Tasks.CreateAsync(task, null, None);
        var run = new TaskRun
        {
            Id = "r_full",
            TaskId = task.Id,
            Occurrence = "manual:r_full",
            Trigger = RunTrigger.Manual,
            ScheduledFor = T0,
            NotBefore = T0,
            CreatedAt = T0,
        };
        await store.Runs.InsertAsync(run, None);
        Assert.Single(await store.Runs.ClaimAsync("node-a", T0, T0.AddSeconds(30), 1, None));
        var output = new string('y', 60_000);
        Completion Decide(ClaimedRun c) => new(
            c.Run with { Status = RunStatus.Succeeded, FinishedAt = T0.AddSeconds(5), LeaseOwner = null, LeaseExpiresAt = null, Output = output, ExitCode = 0 },
            c.Task with { LastRunId = c.Run.Id, LastRunStatus = RunStatus.Succeeded });
        NewRunLogEvent[] tail = [new(T0.AddSeconds(5), 1, "attempt.finished", JsonSerializer.SerializeToElement(new { status = "succeeded" }))];
        await SqliteDiskSpace.FillAsync(store);

        var error = await Assert.ThrowsAsync<StoreFullException>(() => store.Runs.CompleteAsync(run.Id, 1, "node-a", Decide, tail, None));
        Assert.Equal(SqliteFull, Assert.IsType<SqliteException>(error.InnerException).SqliteErrorCode);
        Assert.Equal(RunStatus.Running, (await store.Runs.FindAsync(run.Id, None))!.Status);

        await SqliteDiskSpace.FreeAsync(store);
        Assert.True(await store.Runs.CompleteAsync(run.Id, 1, "node-a", Decide, tail, None));

        var after = (await store.Runs.FindAsync(run.Id, None))!;
        Assert.Equal((RunStatus.Succeeded, 1, output), (after.Status, after.Attempt, after.Output));
        Assert.Equal(["attempt.finished"], (await store.Logs.ReadAsync(run.Id, 0, 100, None)).Select(e => e.Type));
        Assert.Equal(RunStatus.Succeeded, (await store.Tasks.FindAsync(task.Id, None))!.LastRunStatus);
    }

    private async Task<SqliteStore> OpenAsync()
    {
        var store = new SqliteStore(_directory.File("full.db"), TimeProvider.System);
        await store.MigrateAsync(None);
        return store;
    }

    private static AgentTask NewTask(string slug, int instructionChars) => new()
    {
        Id = "t_" + slug,
        Slug = slug,
        Name = slug,
        Instructions = new string('i', instructionChars),
        CreatedAt = T0,
        UpdatedAt = T0,
        Version = 1,
    };
}
