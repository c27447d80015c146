using AgentCron.Core;
using AgentCron.Core.Model;
using AgentCron.TestKit;
using Microsoft.Data.Sqlite;

namespace AgentCron.Sqlite.Tests;

/// <summary>
/// What <see cref="SqliteStore.MigrateAsync"/> checks before the daemon says it is running: a database it cannot use
/// stops it with the path and the problem named, and a database it creates is its owner's only.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteStartCheckTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task MigrateAsync_CreatesTheDatabaseAndItsWalAndShmFiles0600_WhateverTheUmaskAllows()
    {
        // They followed the umask (0644 under the usual 022), readable by every user of the machine.
        var path = Path.Combine(_directory.Path, "elsewhere", "agentcron.db");
        await using var store = new SqliteStore(path, TimeProvider.System);

        await store.MigrateAsync(None);
        await store.Tasks.CreateAsync(NewTask(), null, None);

        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            Assert.True(File.Exists(file), $"{file} is missing");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task MigrateAsync_NamesTheFile_WhenItIsNotADatabase()
    {
        var path = _directory.File("notes.db");
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Repeat("these are my notes, not a database. ", 50)));

        var error = await MigrateFailsAsync(path);

        Assert.Equal($"'{path}' is not a SQLite database (SQLite Error 26: 'file is not a database'); point --db at an AgentCron database, or at a path where one can be created", error.Message);
    }

    [Fact]
    public async Task MigrateAsync_SaysTheDatabaseIsCorrupt_WhenQuickCheckFindsDamage()
    {
        var path = _directory.File("corrupt.db");
        await using (var store = new SqliteStore(path, TimeProvider.System))
        {
            await store.MigrateAsync(None);
            for (var i = 0; i < 50; i++)
            {
                await store.Tasks.CreateAsync(NewTask(i), null, None);
            }
        }

        // Closing the last connection checkpoints the WAL into the file; then scribble over every page but the first.
        SqliteConnection.ClearAllPools();
        var bytes = await File.ReadAllBytesAsync(path);
        for (var i = 4096; i < bytes.Length; i += 4096)
        {
            Array.Fill(bytes, (byte)0x5A, i, 64);
        }

        await File.WriteAllBytesAsync(path, bytes);

        var error = await MigrateFailsAsync(path);

        Assert.StartsWith($"the database '{path}' is corrupt (", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("); restore it from a backup, or move it away to start with an empty database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_SaysTheDatabaseIsReadOnly_InsteadOfStartingAndFailingEveryWrite()
    {
        var path = _directory.File("readonly.db");
        await using (var store = new SqliteStore(path, TimeProvider.System))
        {
            await store.MigrateAsync(None);
        }

        SqliteConnection.ClearAllPools();
        using var readOnly = new ReadOnlyPath(path);

        var error = await MigrateFailsAsync(path);

        Assert.Equal($"the database '{path}' is read-only: the daemon must be able to write it (check its mode, its owner and the file system)", error.Message);
    }

    [Fact]
    public async Task MigrateAsync_SaysTheDirectoryIsNotWritable_WhenSqliteCouldNotCreateItsFilesThere()
    {
        var directory = Directory.CreateDirectory(_directory.File("locked")).FullName;
        var path = Path.Combine(directory, "agentcron.db");
        using var readOnly = new ReadOnlyPath(directory);

        var error = await MigrateFailsAsync(path);

        Assert.StartsWith($"the database directory '{directory}' is not writable (", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task MigrateAsync_SaysTheDirectoryCannotBeCreated_WhenAFileIsInTheWay()
    {
        var blocker = _directory.File("blocker");
        await File.WriteAllTextAsync(blocker, "a file, not a directory");
        var directory = Path.Combine(blocker, "data");

        var error = await MigrateFailsAsync(Path.Combine(directory, "agentcron.db"));

        Assert.StartsWith($"cannot create the database directory '{directory}': ", error.Message, StringComparison.Ordinal);
    }

    private static async Task<StartupCheckException> MigrateFailsAsync(string path)
    {
        await using var store = new SqliteStore(path, TimeProvider.System);
        return await Assert.ThrowsAsync<StartupCheckException>(() => store.MigrateAsync(None));
    }

    private static AgentTask NewTask(int i = 0) => new()
    {
        Id = $"t_{i:D4}",
        Slug = $"task-{i}",
        Name = "task",
        Instructions = new string('x', 500),
        CreatedAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero),
        Version = 1,
    };
}
