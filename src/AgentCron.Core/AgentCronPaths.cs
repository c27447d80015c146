namespace AgentCron.Core;

/// <summary>
/// Where the daemon keeps its data and where the CLI finds the daemon. The CLI and the daemon agree on these without
/// flags: <c>AGENTCRON_HOME</c>, <c>AGENTCRON_URL</c>, <c>AGENTCRON_TOKEN</c>.
/// </summary>
public static class AgentCronPaths
{
    public const string DefaultUrl = "http://127.0.0.1:7433";

    /// <summary>The data directory: <paramref name="explicitHome"/>, else <c>AGENTCRON_HOME</c>, else <c>$XDG_DATA_HOME/agentcron</c>, else <c>~/.local/share/agentcron</c>.</summary>
    public static string Home(string? explicitHome = null) => Home(explicitHome, Environment.GetEnvironmentVariable);

    /// <summary>The same rule over another environment (the CLI's, in tests).</summary>
    public static string Home(string? explicitHome, Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (!string.IsNullOrWhiteSpace(explicitHome))
        {
            return Path.GetFullPath(explicitHome);
        }

        if (variable("AGENTCRON_HOME") is { Length: > 0 } home)
        {
            return Path.GetFullPath(home);
        }

        var dataHome = variable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(dataHome, "agentcron");
    }

    /// <summary>The daemon's URL for clients: <c>AGENTCRON_URL</c> or <see cref="DefaultUrl"/>.</summary>
    public static string Url() => Environment.GetEnvironmentVariable("AGENTCRON_URL") is { Length: > 0 } url ? url.TrimEnd('/') : DefaultUrl;

    /// <summary>The file holding the API token (mode 0600).</summary>
    public static string TokenFile(string home) => Path.Combine(home, "token");

    /// <summary>The default SQLite database file.</summary>
    public static string Database(string home) => Path.Combine(home, "agentcron.db");
}
