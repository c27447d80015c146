using System.Diagnostics;
using Npgsql;

namespace AgentCron.TestKit;

/// <summary>
/// A throwaway PostgreSQL cluster for tests: the Debian server binaries (<c>/usr/lib/postgresql/VERSION/bin</c>),
/// <c>initdb -A trust</c> in a temp directory (owned by the <c>postgres</c> user when the tests run as root, since the
/// server refuses to run as root), started on a free loopback port with its socket in that directory. One server per
/// test process (<see cref="Shared"/>), started on first use; tests make their own databases on it. The benchmark starts
/// its own with <see cref="Start(bool)"/>, because it must measure durable commits. A server is stopped when the process
/// exits, and a detached watchdog stops it and removes its directory if the process dies without exiting.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Instance = new(() => Start(durableCommits: false), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;
    private readonly string _bin;
    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private int _stopped;

    private PostgresServer(string bin, string directory, int port, bool asPostgresUser)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresServer Shared => Instance.Value;

    public int Port { get; }

    /// <summary>The superuser's connection string for <paramref name="database"/>, with <paramref name="schema"/> first on the search path.</summary>
    public string ConnectionString(string database, string? schema = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        SearchPath = schema,
        MaxPoolSize = 20,
    }.ConnectionString;

    /// <summary>
    /// Creates an empty schema in <paramref name="database"/> and returns its name. A schema costs milliseconds where a
    /// database costs half a second (fsync is on), so tests that each need an empty store get a schema: a store whose
    /// connection string puts it first on the search path creates its tables there.
    /// </summary>
    public async Task<string> CreateSchemaAsync(string database, string prefix)
    {
        var name = $"{new string([.. prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)])}_{Interlocked.Increment(ref _databases)}";
        await AdminAsync($"CREATE SCHEMA \"{name}\"", database);
        return name;
    }

    public Task DropSchemaAsync(string database, string schema) => AdminAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", database);

    /// <summary>Creates an empty database with a unique name starting with <paramref name="prefix"/> and returns its name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{new string([.. prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)])}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await AdminAsync($"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>Drops a database, closing whatever connections are still on it.</summary>
    public Task DropDatabaseAsync(string name) => AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");

    private async Task AdminAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Starts a server of its own (not <see cref="Shared"/>). <c>fsync</c> is always on; with
    /// <paramref name="durableCommits"/> false a commit does not wait for its WAL flush (<c>synchronous_commit=off</c>),
    /// which halves the test suite's time and costs nothing a throwaway cluster needs; with true every commit waits for
    /// it, as in production, which is what a benchmark must measure.
    /// </summary>
    public static PostgresServer Start(bool durableCommits)
    {
        var bin = FindBin();
        var asPostgresUser = Environment.UserName == "root";
        var directory = Directory.CreateTempSubdirectory("agentcron-pg-").FullName;
        if (asPostgresUser)
        {
            Run("chown", ["postgres:postgres", directory]);
        }

        var port = LoopbackPort.Free();
        var server = new PostgresServer(bin, directory, port, asPostgresUser);
        try
        {
            server.Tool("initdb", ["-D", server.Data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
            server.Tool("pg_ctl", [
                "-D", server.Data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
                "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit={(durableCommits ? "on" : "off")} -c max_connections=300",
                "start",
            ]);
        }
        catch
        {
            server.Stop();
            throw;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        server.StartWatchdog();
        return server;
    }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Stops the server now (fast shutdown) and removes its directory. Called at process exit.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                Tool("pg_ctl", ["-D", Data, "-m", "fast", "-w", "stop"]);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the watchdog / the OS's temp clean-up.
            }
        }
    }

    /// <summary>
    /// A shell in its own session that outlives this process: when the process is gone (killed, crashed) it stops the
    /// server with an immediate shutdown and removes the directory. A normal exit has already done both.
    /// </summary>
    private void StartWatchdog()
    {
        var stop = _asPostgresUser
            ? $"runuser -u postgres -- {_bin}/pg_ctl -D {Data} -m immediate stop"
            : $"{_bin}/pg_ctl -D {Data} -m immediate stop";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; [ -f {Data}/postmaster.pid ] && {stop}; rm -rf {_directory}";
        var watchdog = new ProcessStartInfo("setsid", ["sh", "-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(watchdog) ?? throw new InvalidOperationException("could not start the PostgreSQL watchdog");
    }

    private void Tool(string name, IReadOnlyList<string> arguments)
    {
        var program = Path.Combine(_bin, name);
        if (_asPostgresUser)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 90 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }

    private static string FindBin()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
                .Where(d => d.Version > 0 && File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin"))
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            $"the PostgreSQL server binaries (initdb, pg_ctl) are not installed: no {root}/VERSION/bin/initdb. " +
            "Install them with `apt-get install postgresql` (./test.sh does this when they are missing).");
    }
}
