using System.Diagnostics;
using System.Globalization;

namespace AgentCron.Bench;

/// <summary>
/// CPU time spent during a phase, in cores (CPU seconds ÷ wall seconds): the whole machine (<c>/proc/stat</c>, so other
/// users' work shows too), this process (all nodes and the engine), and the PostgreSQL server's processes (the postmaster
/// and its children: backends, WAL writer, checkpointer…). On a machine with few cores this says whether a figure is
/// bounded by CPU and whose. Linux only; elsewhere the machine and server figures are NaN.
/// </summary>
internal sealed record CpuUse(double WallSeconds, double MachineCores, double BenchCores, double ServerCores, double LoadAverageAtStart)
{
    // USER_HZ, the unit of /proc/stat and /proc/PID/stat: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>Starts measuring; <paramref name="postmasterPid"/> is the PostgreSQL server to include, if any.</summary>
    public static Func<CpuUse> Start(int? postmasterPid)
    {
        var load = LoadAverage();
        var wall = Stopwatch.GetTimestamp();
        var machine = MachineBusySeconds();
        var bench = OwnCpu();
        var server = postmasterPid is { } pid ? ServerSeconds(pid) : double.NaN;
        return () =>
        {
            var seconds = Stopwatch.GetElapsedTime(wall).TotalSeconds;
            return new CpuUse(
                seconds,
                (MachineBusySeconds() - machine) / seconds,
                (OwnCpu() - bench).TotalSeconds / seconds,
                postmasterPid is { } p ? (ServerSeconds(p) - server) / seconds : double.NaN,
                load);
        };
    }

    /// <summary>CPU milliseconds this process and the PostgreSQL server (if measured) spent over the phase.</summary>
    public double Milliseconds => (BenchCores + (double.IsNaN(ServerCores) ? 0 : ServerCores)) * WallSeconds * 1000;

    public Dictionary<string, object?> ToJson() => new()
    {
        ["wall_s"] = Math.Round(WallSeconds, 3),
        ["machine_cores"] = Math.Round(MachineCores, 2),
        ["bench_cores"] = Math.Round(BenchCores, 2),
        ["server_cores"] = double.IsNaN(ServerCores) ? null : Math.Round(ServerCores, 2),
        ["load_average_at_start"] = Math.Round(LoadAverageAtStart, 2),
    };

    /// <summary>"bench 1.2 + server 0.6 of machine 1.9 cores" (other = machine − bench − server is everyone else).</summary>
    public string Describe() => double.IsNaN(ServerCores)
        ? string.Create(CultureInfo.InvariantCulture, $"bench {BenchCores:F2} of machine {MachineCores:F2} cores")
        : string.Create(CultureInfo.InvariantCulture, $"bench {BenchCores:F2} + postgres {ServerCores:F2} of machine {MachineCores:F2} cores");

    private static TimeSpan OwnCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Busy CPU seconds of all cores since boot: user, nice, system, irq, softirq, steal (not idle, not iowait).</summary>
    private static double MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return double.NaN;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => i < fields.Length ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8)) / TicksPerSecond;
    }

    /// <summary>User + system CPU seconds of the postmaster and its live children.</summary>
    private static double ServerSeconds(int postmaster)
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                ReadStat(pid) is not { } stat ||
                (pid != postmaster && stat.Parent != postmaster))
            {
                continue;
            }

            ticks += stat.CpuTicks;
        }

        return ticks / TicksPerSecond;
    }

    /// <summary>The parent of <paramref name="pid"/>, or null when it is gone.</summary>
    public static int? ParentOf(int pid) => ReadStat(pid)?.Parent;

    private static (int Parent, long CpuTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … utime stime …": comm may hold spaces, so count fields after its closing parenthesis.
        var after = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(after[1], CultureInfo.InvariantCulture), long.Parse(after[11], CultureInfo.InvariantCulture) + long.Parse(after[12], CultureInfo.InvariantCulture));
    }

    private static double LoadAverage() => File.Exists("/proc/loadavg")
        ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
        : double.NaN;
}
