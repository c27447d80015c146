using AgentCron.Core;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite;

/// <summary>
/// What the store checks before the daemon says it is running, so that a database it cannot use stops it at start
/// with the path and the problem named (<see cref="StartupCheckException"/>) instead of failing request by request.
/// </summary>
internal static class StartCheck
{
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// Creates the database's directory if needed and checks it is writable (SQLite creates the <c>-wal</c>, <c>-shm</c>
    /// and <c>-journal</c> files beside the database); creates a missing database file with mode 0600, whose mode SQLite
    /// then gives those files too.
    /// </summary>
    public static void PrepareFiles(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupCheckException($"cannot create the database directory '{directory}': {ex.Message}", ex);
        }

        try
        {
            using var probe = new FileStream(Path.Combine(directory, $".agentcron-probe-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is UnauthorizedAccessException ? "permission denied" : ex.Message;
            throw new StartupCheckException($"the database directory '{directory}' is not writable ({reason}); SQLite keeps its -wal and -shm files beside the database", ex);
        }

        CreateOwnerOnly(path);
    }

    /// <summary>Checks the open database can be written and is not corrupt (<c>PRAGMA quick_check</c>).</summary>
    public static void Verify(SqliteConnection connection, string path)
    {
        // SQLite opens a write-protected file read-only without a word; every write would then fail.
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            throw new StartupCheckException($"the database '{path}' is read-only: the daemon must be able to write it (check its mode, its owner and the file system)");
        }

        var problems = new List<string>();
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA quick_check(5)";
            using var reader = check.ExecuteReader();
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }

        if (problems is not ["ok"])
        {
            throw Corrupt(path, "PRAGMA quick_check: " + string.Join("; ", problems), null);
        }
    }

    /// <summary>What an error SQLite raised while the store was opened and migrated means for the daemon.</summary>
    public static StartupCheckException Unusable(SqliteException ex, string path)
    {
        var detail = ex.Message.TrimEnd('.');
        return ex.SqliteErrorCode switch
        {
            SqliteNotADatabase => new StartupCheckException($"'{path}' is not a SQLite database ({detail}); point --db at an AgentCron database, or at a path where one can be created", ex),
            SqliteCorrupt => Corrupt(path, detail, ex),
            _ => new StartupCheckException($"the database '{path}' cannot be used: {detail}", ex),
        };
    }

    private static StartupCheckException Corrupt(string path, string detail, SqliteException? ex) =>
        new($"the database '{path}' is corrupt ({detail}); restore it from a backup, or move it away to start with an empty database", ex);

    private static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            // An empty file is a new database to SQLite. Another daemon creating it at the same moment is fine.
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupCheckException($"cannot create the database '{path}': {ex.Message}", ex);
        }
    }
}
