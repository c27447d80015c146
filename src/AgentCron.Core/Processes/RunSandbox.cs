namespace AgentCron.Core.Processes;

/// <summary>How agent processes are confined here.</summary>
public enum SandboxStatus
{
    /// <summary>Every agent process runs in bubblewrap, which hides the daemon's secrets.</summary>
    On,

    /// <summary>Bubblewrap cannot be used and <c>Sandbox:AllowUnsandboxed</c> accepts that: processes run unconfined.</summary>
    Off,

    /// <summary>Bubblewrap cannot be used and nothing accepts running without it: runs that would start a process fail.</summary>
    Unavailable,
}

/// <summary>
/// What an agent process may not see and how it is kept from it. Every process a runner starts goes through
/// <c>AgentProcess</c>, which wraps it in bubblewrap when <see cref="Status"/> is <see cref="SandboxStatus.On"/>: the file
/// system as the daemon's user sees it, but the <see cref="HiddenDirectories"/> (the data directory) empty and read-only
/// and the <see cref="HiddenFiles"/> (a database or configuration file outside it) unreadable; a PID namespace of its own
/// with a fresh <c>/proc</c> (the daemon's environment and open files are out of reach); no capabilities; the network
/// shared.
/// </summary>
/// <param name="Status">Whether processes run sandboxed, unsandboxed, or not at all.</param>
/// <param name="Executable">The bubblewrap program (<c>bwrap</c>) when <see cref="Status"/> is <see cref="SandboxStatus.On"/>.</param>
/// <param name="Problem">Why bubblewrap cannot be used here and what to do about it; null when it is used.</param>
/// <param name="HiddenDirectories">Directories runs must not see (full paths).</param>
/// <param name="HiddenFiles">Files runs must not read (full paths), outside <paramref name="HiddenDirectories"/>.</param>
public sealed record RunSandbox(SandboxStatus Status, string? Executable, string? Problem, IReadOnlyList<string> HiddenDirectories, IReadOnlyList<string> HiddenFiles)
{
    /// <summary>Environment variables of the daemon that runs do not inherit (those its channels' secrets are read from).</summary>
    public IReadOnlyList<string> HiddenVariables { get; init; } = [];

    /// <summary>How to install bubblewrap (Debian and Ubuntu).</summary>
    public const string InstallCommand = "sudo apt-get install bubblewrap";

    /// <summary>For people (the start-up banner, health): what confines runs, or why nothing does and what to do.</summary>
    public string Note => Status switch
    {
        SandboxStatus.On => $"bubblewrap ({Executable}): runs cannot see the data directory, the database or the configuration file",
        SandboxStatus.Off => $"OFF: {Problem}. Sandbox:AllowUnsandboxed is set, so runs start unsandboxed and can read the daemon's token, database and configuration",
        _ => $"UNAVAILABLE: {Problem}. Runs that start a process fail until it works (or until Sandbox:AllowUnsandboxed: true accepts running them unsandboxed)",
    };

    /// <summary>Runs in <paramref name="executable"/> (bubblewrap), hiding the given paths.</summary>
    public static RunSandbox Bubblewrap(string executable, IEnumerable<string> hiddenDirectories, IEnumerable<string> hiddenFiles)
    {
        var (directories, files) = Normalize(hiddenDirectories, hiddenFiles);
        return new(SandboxStatus.On, executable, null, directories, files);
    }

    /// <summary>
    /// Bubblewrap cannot be used (<paramref name="problem"/> says why and what to do): with <paramref name="allowUnsandboxed"/>
    /// processes run unconfined, otherwise runs that would start one fail.
    /// </summary>
    public static RunSandbox Without(string problem, bool allowUnsandboxed, IEnumerable<string> hiddenDirectories, IEnumerable<string> hiddenFiles)
    {
        var (directories, files) = Normalize(hiddenDirectories, hiddenFiles);
        return new(allowUnsandboxed ? SandboxStatus.Off : SandboxStatus.Unavailable, null, problem, directories, files);
    }
    /// <summary>True when <paramref name="path"/> is a hidden file, or a hidden directory or inside one.</summary>
    public bool Hides(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return HiddenFiles.Contains(full, StringComparer.Ordinal) || HiddenDirectories.Any(d => IsSameOrInside(full, d));
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or below it (both full paths).</summary>
    public static bool IsSameOrInside(string path, string directory)
    {
        var root = Path.TrimEndingDirectorySeparator(directory);
        return path.Equals(root, StringComparison.Ordinal)
            || path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);
    }

    private static (IReadOnlyList<string> Directories, IReadOnlyList<string> Files) Normalize(IEnumerable<string> directories, IEnumerable<string> files)
    {
        var fullDirectories = directories.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct(StringComparer.Ordinal).ToList();
        var fullFiles = files.Select(Path.GetFullPath)
            .Where(f => !fullDirectories.Any(d => IsSameOrInside(f, d)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return (fullDirectories, fullFiles);
    }
}
