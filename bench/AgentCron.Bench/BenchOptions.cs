using System.Globalization;

namespace AgentCron.Bench;

/// <summary>The command line: <c>&lt;scenario&gt; [options]</c>.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/AgentCron.Bench -- <scenario> [options]

        scenarios:
          lateness-burst    1,000 one-time tasks all due at the same instant
          lateness-spread   1,000 one-time tasks spread evenly over 10 s
          throughput        20,000 tasks already due; runs/s at MaxConcurrentRuns 8 and 32
          big-store         lateness-spread on top of 1,000,000 future tasks, with memory
          daemon-memory     the real daemon (agentcron serve) on 1,000,000 future tasks: peak memory after
                            start-up and after 100 command tasks created through the API
          all               the five above
          cluster           throughput and lateness with 1, 2, 3 nodes on one PostgreSQL database, next to
                            SQLite with one node (needs the PostgreSQL server binaries; not part of all)
          scaling           1, 2, 3 node processes, each held to --node-cpu of a core by a CPU cgroup, on one
                            PostgreSQL database (needs root and the PostgreSQL server binaries; not part of all)
          peers             AgentCron next to Quartz.NET, Hangfire (SQLite and PostgreSQL) and graphile-worker
                            (PostgreSQL), each at its defaults and its best settings, on the same machine and the same
                            PostgreSQL server: burst of 1,000, 20,000 due, single task (needs PostgreSQL and npm; not
                            part of all)

        options:
          --count N          measured runs (default 1000 for lateness, 20000 for throughput)
          --tasks N          future tasks seeded by big-store and daemon-memory (default 1000000; try 100000 first)
          --spread S         seconds lateness-spread spreads its tasks over (default 10)
          --concurrency L    MaxConcurrentRuns values for throughput and cluster (default 8,32)
          --nodes L          node counts for cluster (default 1,2,3)
          --node-cpu F       the CPU budget of each node process in scaling, in cores (default 0.25)
          --peers L          products for peers (default agentcron,quartz,hangfire,graphile-worker)
          --dir PATH         where the temporary databases go (default: system temp)
          --out PATH         where results are appended (default: <repo>/artifacts/bench)
          --keep             keep the temporary databases
          --no-warmup        skip the JIT warm-up
        """;

    public required string Scenario { get; init; }
    public int? Count { get; init; }
    public int FutureTasks { get; init; } = 1_000_000;
    public TimeSpan Spread { get; init; } = TimeSpan.FromSeconds(10);
    public IReadOnlyList<int> Concurrency { get; init; } = [8, 32];
    public IReadOnlyList<int> Nodes { get; init; } = [1, 2, 3];
    public double NodeCpu { get; init; } = 0.25;
    public IReadOnlyList<string> Peers { get; init; } = ["agentcron", "quartz", "hangfire", "graphile-worker"];
    public string TempRoot { get; init; } = Path.Combine(Path.GetTempPath(), "agentcron-bench");
    public string Output { get; init; } = Path.Combine(RepoRoot(), "artifacts", "bench");
    public bool Keep { get; init; }
    public bool Warmup { get; init; } = true;

    public static readonly string[] Scenarios = ["lateness-burst", "lateness-spread", "throughput", "big-store", "daemon-memory", "all", "cluster", "scaling", "peers"];

    /// <summary>Parses the arguments; returns null (after printing why) when they are wrong.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" || !Scenarios.Contains(args[0], StringComparer.Ordinal))
        {
            if (args.Length > 0 && args[0] is not ("-h" or "--help"))
            {
                Console.Error.WriteLine($"unknown scenario '{args[0]}'");
            }

            Console.Error.WriteLine(Usage);
            return null;
        }

        var options = new BenchOptions { Scenario = args[0] };
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--count" => options with { Count = Int(Next()) },
                "--tasks" => options with { FutureTasks = Int(Next()) },
                "--spread" => options with { Spread = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--concurrency" => options with { Concurrency = [.. Next().Split(',').Select(Int)] },
                "--nodes" => options with { Nodes = [.. Next().Split(',').Select(Int)] },
                "--node-cpu" => options with { NodeCpu = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--peers" => options with { Peers = [.. Next().Split(',').Select(Peer)] },
                "--dir" => options with { TempRoot = Path.GetFullPath(Next()) },
                "--out" => options with { Output = Path.GetFullPath(Next()) },
                "--keep" => options with { Keep = true },
                "--no-warmup" => options with { Warmup = false },
                _ => throw new ArgumentException($"unknown option '{args[i]}'\n\n{Usage}"),
            };
        }

        return options;
    }

    private static string Peer(string name) => name is "agentcron" or "quartz" or "hangfire" or "graphile-worker"
        ? name
        : throw new ArgumentException($"--peers: unknown product '{name}' (agentcron, quartz, hangfire, graphile-worker)");

    private static int Int(string text) =>
        int.Parse(text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>The directory holding AgentCron.slnx, found upwards from the working directory; else the working directory.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentCron.slnx")))
            {
                return dir.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}
