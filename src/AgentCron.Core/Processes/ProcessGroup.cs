using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentCron.Core.Processes;

/// <summary>
/// Process groups on Linux. Agents are started as the leader of a new session and group (through <c>setsid</c>), so
/// that killing the group kills every process the agent started — a timeout or cancel leaves nothing running.
/// </summary>
public static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>Kills every process in the group led by <paramref name="pgid"/>. Returns false if none was left.</summary>
    public static bool Kill(int pgid) => OperatingSystem.IsLinux() && NativeKill(-pgid, SigKill) == 0;

    /// <summary>True while any process of the group is alive.</summary>
    public static bool IsAlive(int pgid) => OperatingSystem.IsLinux() && NativeKill(-pgid, 0) == 0;

    /// <summary>
    /// Kills the group led by <paramref name="pid"/> only if that process still exists and still leads its own group,
    /// so that a recycled pid of an unrelated process is never hit.
    /// </summary>
    public static bool KillIfLeader(int pid) => GroupOf(pid) == pid && Kill(pid);

    /// <summary>The process group of <paramref name="pid"/>, read from <c>/proc</c>, or null if it does not exist.</summary>
    public static int? GroupOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name, which may itself contain spaces and parentheses: state ppid pgrp …
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
