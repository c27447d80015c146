using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentCron.Agents.Processes;

/// <summary>
/// Process groups on Linux. Agents are started as the leader of a new session and group (through <c>setsid</c>), so
/// that killing the group kills every process the agent started — a timeout or cancel leaves nothing running.
/// </summary>
public static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>Kills every process in the group led by <paramref name="pgid"/>. Returns false if none was left.</summary>
    public static bool Kill(int pgid) => OperatingSystem.IsLinux() && NativeKill(-pgid, SigKill) == 0;

    /// <summary>
    /// Kills a child we started, and its group: the process itself too, because right after start it may not have
    /// become a group leader yet (setsid runs in the child), and then the group does not exist — and the group once more,
    /// in case setsid ran between the two and the child started others in its new group before it died (bubblewrap's
    /// sandbox would live on). Only for a child that has not been reaped, so its pid cannot have been reused.
    /// </summary>
    public static bool KillStarted(int pid)
    {
        var group = Kill(pid);
        var leader = OperatingSystem.IsLinux() && NativeKill(pid, SigKill) == 0;
        var late = Kill(pid);
        return group || leader || late;
    }

    /// <summary>True while any process of the group is alive.</summary>
    public static bool IsAlive(int pgid) => OperatingSystem.IsLinux() && NativeKill(-pgid, 0) == 0;

    /// <summary>
    /// Kills the group led by <paramref name="pid"/> only if that process is still the one recorded —
    /// <see cref="Identify"/> gives the same boot and start time — and still leads its own group, so that a recycled pid
    /// (after a reboot or a wrap-around) is never hit.
    /// </summary>
    public static bool KillIfSame(int pid, string identity) => Identify(pid) == identity && GroupOf(pid) == pid && Kill(pid);

    /// <summary>
    /// Who a pid is: the boot it belongs to and its start time in clock ticks since boot (field 22 of
    /// <c>/proc/PID/stat</c>); null if it does not exist or this is not Linux.
    /// </summary>
    public static string? Identify(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            return $"{boot}/{fields[19]}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

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
