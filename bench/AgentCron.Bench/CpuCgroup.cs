using System.Globalization;

namespace AgentCron.Bench;

/// <summary>
/// A CPU cgroup holding processes to a fixed share of one core (CFS bandwidth control): cgroup v2's <c>cpu.max</c>
/// where the unified hierarchy has the cpu controller, else v1's <c>cpu.cfs_quota_us</c> under /sys/fs/cgroup/cpu.
/// Needs root. Removed (its processes having exited) when disposed.
/// </summary>
internal sealed class CpuCgroup : IDisposable
{
    private const int PeriodMicroseconds = 100_000;
    private readonly string _path;

    private CpuCgroup(string path) => _path = path;

    /// <summary>Why no cgroup can be made here, or null when one can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "CPU cgroups need Linux and root";
        }

        return V2Root() is null && !File.Exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
            ? "neither a cgroup v2 hierarchy with the cpu controller nor a v1 cpu hierarchy is mounted"
            : null;
    }

    /// <summary>A new cgroup named <paramref name="name"/> limited to <paramref name="cores"/> of a core.</summary>
    public static CpuCgroup Create(string name, double cores)
    {
        var quota = ((int)(cores * PeriodMicroseconds)).ToString(CultureInfo.InvariantCulture);
        if (V2Root() is { } v2)
        {
            File.WriteAllText(Path.Combine(v2, "cgroup.subtree_control"), "+cpu");
            var path = Directory.CreateDirectory(Path.Combine(v2, name)).FullName;
            File.WriteAllText(Path.Combine(path, "cpu.max"), $"{quota} {PeriodMicroseconds}");
            return new CpuCgroup(path);
        }

        var v1 = Directory.CreateDirectory(Path.Combine("/sys/fs/cgroup/cpu", name)).FullName;
        File.WriteAllText(Path.Combine(v1, "cpu.cfs_period_us"), PeriodMicroseconds.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(v1, "cpu.cfs_quota_us"), quota);
        return new CpuCgroup(v1);
    }

    /// <summary>Moves the process (all its threads) into this cgroup; what it starts later is born there.</summary>
    public void Add(int pid) => File.WriteAllText(Path.Combine(_path, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_path);
        }
        catch (IOException)
        {
            // Still has a process (one that did not exit); the kernel keeps the group until it does.
        }
    }

    private static string? V2Root() =>
        File.Exists("/sys/fs/cgroup/cgroup.controllers") && File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Split(' ', '\n').Contains("cpu")
            ? "/sys/fs/cgroup"
            : null;
}
