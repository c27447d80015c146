using AgentCron.Core.Ports;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>
/// SQLite's stand-in for NOTIFY: <c>PRAGMA data_version</c> changes when another connection commits, and reading it
/// touches no table, so checking it often costs next to nothing. It lets a daemon see work created by another daemon
/// on the same file within milliseconds instead of at its next timed wake-up.
/// </summary>
internal sealed class SqliteChangeFeed(SqliteDatabase db, TimeProvider time) : IStoreChangeFeed, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private SqliteConnection? _connection;
    private long _seen = -1;

    public async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        _connection ??= db.Open();
        while (true)
        {
            var version = await SqliteDialect.Instance.CountAsync(_connection, "PRAGMA data_version", [], cancellationToken);
            if (_seen >= 0 && version != _seen)
            {
                _seen = version;
                return;
            }

            _seen = version;
            await Task.Delay(Interval, time, cancellationToken);
        }
    }

    public void Dispose() => _connection?.Dispose();
}
