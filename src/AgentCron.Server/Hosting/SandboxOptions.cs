using AgentCron.Agents.Processes;
using AgentCron.Core;
using AgentCron.Core.Ports;
using AgentCron.Core.Processes;
using AgentCron.Sqlite;

namespace AgentCron.Server.Hosting;

/// <summary>Where runs work and what confines them (configuration section <c>Sandbox</c>; docs/agents.md, "Where runs work and what they can reach").</summary>
public sealed record SandboxOptions
{
    /// <summary>The bubblewrap program, a path or a name on PATH; empty: <c>bwrap</c>.</summary>
    public string? Executable { get; init; }

    /// <summary>
    /// Where bubblewrap is missing or does not work, start agent processes unsandboxed (able to read the daemon's token,
    /// database and configuration) instead of failing their runs.
    /// </summary>
    public bool AllowUnsandboxed { get; init; }

    /// <summary>
    /// Under which the working folder of each task without <c>agent.cwd</c> is made (<c>WORKROOT/SLUG</c>; tasks on a chat thread share <c>WORKROOT/_threads/THREAD</c>); an absolute path
    /// outside the data directory. Empty: <c>HOME-work</c> beside the data directory (<c>~/.local/share/agentcron-work</c>).
    /// </summary>
    public string? WorkRoot { get; init; }

    /// <summary>The work root these options name for the data directory <paramref name="home"/>; throws <see cref="InvalidFieldException"/> under <c>Sandbox:WorkRoot</c>.</summary>
    public string WorkRootFor(string home)
    {
        if (string.IsNullOrWhiteSpace(WorkRoot))
        {
            return Path.TrimEndingDirectorySeparator(home) + "-work";
        }

        if (!Path.IsPathFullyQualified(WorkRoot))
        {
            throw new InvalidFieldException("Sandbox:WorkRoot", $"'{WorkRoot}' is not an absolute path");
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(WorkRoot));
        return RunSandbox.IsSameOrInside(root, Path.TrimEndingDirectorySeparator(home))
            ? throw new InvalidFieldException("Sandbox:WorkRoot", $"'{WorkRoot}' is inside the data directory '{home}', which runs cannot see; choose a directory outside it")
            : root;
    }

    /// <summary>
    /// The sandbox of this daemon's runs: hiding the data directory <paramref name="home"/>, the configuration file and a
    /// SQLite database outside it (with its <c>-wal</c>, <c>-shm</c> and <c>-journal</c> files), and the channels' secrets:
    /// the files they were read from, and the environment variables, which runs do not inherit.
    /// </summary>
    public RunSandbox SandboxFor(string home, string configFile, IAgentCronStore store, DeliverySettings deliveries)
    {
        var database = store is SqliteStore sqlite ? sqlite.Path : null;
        string[] files = database is null ? [configFile] : [configFile, database, $"{database}-wal", $"{database}-shm", $"{database}-journal"];
        return Bubblewrap.Detect(Executable, AllowUnsandboxed, [home], [.. files, .. deliveries.SecretFiles]) with { HiddenVariables = deliveries.SecretVariables };
    }
}
