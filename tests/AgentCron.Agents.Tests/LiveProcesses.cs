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
