namespace AgentCron.Server.Hosting;

/// <summary>How to start this same agentcron binary again, for agents that need it (its MCP server).</summary>
public static class SelfCommand
{
    /// <summary>
    /// <c>agentcron mcp</c> as program and arguments: the apphost itself, or <c>dotnet agentcron.dll</c> when the daemon
    /// runs through the dotnet host; null when this process is not the agentcron executable (e.g. a test host).
    /// </summary>
    public static IReadOnlyList<string>? Mcp()
    {
        var process = Environment.ProcessPath;
        var entry = Environment.GetCommandLineArgs().FirstOrDefault();
        if (process is null || entry is null)
        {
            return null;
        }

        if (Path.GetFileNameWithoutExtension(process) == "agentcron")
        {
            return [process, "mcp"];
        }

        return Path.GetFileName(entry) == "agentcron.dll" && Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, entry, "mcp"] : null;
    }
}
