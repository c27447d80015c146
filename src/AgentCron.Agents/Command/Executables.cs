namespace AgentCron.Agents.Command;

/// <summary>Finds a program the way <c>execvp</c> would: a path with a slash as given (relative to the working directory), otherwise on PATH.</summary>
public static class Executables
{
    public static string? Find(string name, string workingDirectory)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            var path = Path.GetFullPath(name, workingDirectory);
            return IsExecutable(path) ? path : null;
        }

        var searchPath = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
