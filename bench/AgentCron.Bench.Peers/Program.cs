using System.Text.Json;
using AgentCron.Bench.Peers;

// A peer of the bench's `peers` scenario, in a process of its own: prepares a fresh database, runs one workload, and
// writes JSON lines to stdout — {"event":"measuring"} as the measured phase begins (the bench samples PostgreSQL's
// CPU then), and one {"event":"result",…} at the end. Everything else goes to stderr.
PeerArgs options;
try
{
    options = PeerArgs.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

IPeer Create() => options.Product == "quartz" ? new QuartzPeer(options) : new HangfirePeer(options);
await Workloads.WarmUpAsync(Create, CancellationToken.None);
await using var peer = Create();
await peer.PrepareAsync(CancellationToken.None);
var result = await Workloads.RunAsync(peer, options, () => Write(new() { ["event"] = "measuring" }), CancellationToken.None);
Write(new()
{
    ["event"] = "result",
    ["product"] = peer.Product,
    ["version"] = peer.Version,
    ["database"] = options.Database,
    ["settings"] = options.Best ? "best" : "defaults",
    ["settings_detail"] = peer.Settings,
    ["workload"] = options.Workload,
    ["count"] = options.Count,
    ["completed"] = Probe.Completed,
    ["duplicates"] = Probe.Duplicates,
    ["lateness_ms"] = Probe.Lateness.Select(l => Math.Round(l, 2)),
    ["elapsed_ms"] = result.Elapsed?.TotalMilliseconds,
    ["cpu_ms"] = result.Cpu.TotalMilliseconds,
    ["insert_ms"] = result.Insert?.TotalMilliseconds,
    ["lead_left_ms"] = result.LeadLeft?.TotalMilliseconds,
});
return 0;

static void Write(Dictionary<string, object?> line)
{
    Console.Out.WriteLine(JsonSerializer.Serialize(line));
    Console.Out.Flush();
}
