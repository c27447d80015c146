using System.Globalization;

namespace AgentCron.Tests;

/// <summary>(Shared by the Server and Agents tests.) Reads <c>/proc</c>: which processes are alive. Zombies (dead, waiting to be reaped by init) do not count.</summary>
public static class LiveProcesses
{
    public static IEnumerable<int> InGroup(int pgid) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Stat(pid) is { } stat && stat.State != "Z" && stat.Group == pgid);

    public static bool IsAlive(int pid) => Stat(pid) is { State: not "Z" };

    /// <summary>The live processes whose argv is exactly <paramref name="argv"/> (e.g. <c>sleep 300.123</c>, a marker no other process has).</summary>
    public static IEnumerable<int> WithArgv(params string[] argv) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsAlive(pid) && Read($"/proc/{pid}/cmdline") == string.Concat(argv.Select(a => a + "\0")));

    /// <summary>The pid a process has in its own PID namespace (a sandboxed process's <c>$$</c>): the last of <c>NSpid</c> in its status.</summary>
    public static int? NamespacePid(int pid) =>
        Read($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal)) is { } line
            ? int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture)
            : null;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (string State, int Group)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0], int.Parse(fields[2], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
