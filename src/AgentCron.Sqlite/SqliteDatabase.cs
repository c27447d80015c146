using System.Data.Common;
using System.Threading.Channels;
using AgentCron.Core.Ports;
using AgentCron.Core.Storage;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>
/// The one place that opens, begins, commits and rolls back. All writes of a process go through a single writer
/// connection and are group-committed: the writes waiting when a transaction starts share it, each inside its own
/// savepoint (one failing write rolls back alone, unless SQLite ended the whole transaction, as it does when the disk is
/// full: then every write of the batch fails with that error), and no caller is answered before the commit is durable
/// (<c>synchronous=FULL</c>). Serialising writes in-process also keeps SQLite's busy handler out of the hot path; other
/// processes on the same file are waited for through <c>busy_timeout</c>. Reads use pooled connections, concurrently (WAL).
/// </summary>
internal sealed class SqliteDatabase : IStoreDatabase
{
    private const int MaxBatch = 256;

    /// <summary>SQLite's result code for "database or disk is full".</summary>
    private const int SqliteFull = 13;
    private readonly string _connectionString;
    private readonly Channel<IWrite> _writes = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private SqliteConnection? _writeConnection;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Path { get; }

    /// <summary>Runs <paramref name="work"/> inside a write transaction; completes after the commit is durable.</summary>
    public Task<T> WriteAsync<T>(Func<StoreWrite, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write<T>(work, cancellationToken);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(write), this);

        return write.Result;
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read connection.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = Open();
        return await work(connection, cancellationToken);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer;
        _writeConnection?.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<IWrite>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            await CommitBatchAsync(batch);
            batch.Clear();
        }
    }

    private async Task CommitBatchAsync(List<IWrite> batch)
    {
        try
        {
            var connection = _writeConnection ??= OpenWriter();
            Execute(connection, "BEGIN IMMEDIATE");

            try
            {
                foreach (var write in batch)
                {
                    Execute(connection, "SAVEPOINT w");
                    try
                    {
                        await write.RunAsync(connection);
                        Execute(connection, "RELEASE w");
                    }
                    catch (Exception ex) when (InTransaction(connection))
                    {
                        // The write failed alone: undo its part and go on with the others.
                        Undo(connection, "ROLLBACK TO w; RELEASE w", ex);
                        write.Fail(ex);
                    }
                }

                Execute(connection, "COMMIT");
            }
            catch (Exception ex) when (InTransaction(connection))
            {
                Undo(connection, "ROLLBACK", ex);
                throw;
            }

            foreach (var write in batch)
            {
                write.Acknowledge();
            }
        }
        catch (Exception ex)
        {
            // Nothing of this batch was committed; every caller hears why. SQLite itself rolls the whole transaction back
            // on some errors (SQLITE_FULL, SQLITE_IOERR): then no transaction is left and the error is passed on as it
            // is, not hidden behind a failed ROLLBACK. A connection left inside a transaction is replaced by a fresh one.
            if (_writeConnection is { } connection && InTransaction(connection))
            {
                connection.Dispose();
                _writeConnection = null;
            }

            foreach (var write in batch)
            {
                write.Fail(ex);
            }
        }
    }

    /// <summary>True while <paramref name="connection"/> is inside a transaction (SQLite may have ended it after an error).</summary>
    private static bool InTransaction(SqliteConnection connection) =>
        connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0;

    /// <summary>Runs an undo statement after <paramref name="error"/>; if the undo fails too, the original error is what callers hear.</summary>
    private static void Undo(SqliteConnection connection, string sql, Exception error)
    {
        try
        {
            Execute(connection, sql);
        }
        catch (SqliteException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    private SqliteConnection OpenWriter()
    {
        var connection = Open();
        try
        {
            Execute(connection, "PRAGMA synchronous = FULL");
            // Another process holding the write lock is waited for by SQLite's own handler, in small steps.
            Execute(connection, "PRAGMA busy_timeout = 30000");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal static void Execute(SqliteConnection connection, string sql) => SqliteDialect.Instance.Execute(connection, sql);

    private interface IWrite
    {
        Task RunAsync(SqliteConnection connection);
        void Fail(Exception error);
        void Acknowledge();
    }

    private sealed class Write<T>(Func<StoreWrite, CancellationToken, Task<T>> work, CancellationToken cancellationToken) : IWrite
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _value;
        private bool _failed;

        public Task<T> Result => _result.Task;

        // No other process hears of a commit here: they see it through PRAGMA data_version (SqliteChangeFeed).
        public async Task RunAsync(SqliteConnection connection) => _value = await work(new StoreWrite(connection), cancellationToken);

        public void Fail(Exception error)
        {
            _failed = true;
            _result.TrySetException(error is SqliteException { SqliteErrorCode: SqliteFull } ? new StoreFullException(error) : error);
        }

        public void Acknowledge()
        {
            if (!_failed)
            {
                _result.TrySetResult(_value!);
            }
        }
    }
}
