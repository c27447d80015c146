using AgentCron.Bench;
using AgentCron.Bench.Scenarios;

// A node process of the scaling scenario, started by the bench itself.
if (args is ["node", ..])
{
    return await NodeProcess.RunAsync(args);
}

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

if (options is null)
{
    return 2;
}

Report.PrintMachine();
Directory.CreateDirectory(options.TempRoot);
Console.WriteLine($"databases under {Storage.Of(options.TempRoot).Describe()}; results appended under {options.Output}");
if (options.Warmup)
{
    await Warmup.RunAsync(options);
}

var all = options.Scenario == "all";
if (all || options.Scenario == "lateness-burst")
{
    await LatenessScenario.RunAsync(options, burst: true);
}

if (all || options.Scenario == "lateness-spread")
{
    await LatenessScenario.RunAsync(options, burst: false);
}

if (all || options.Scenario == "throughput")
{
    await ThroughputScenario.RunAsync(options);
}

if (all || options.Scenario == "big-store")
{
    await BigStoreScenario.RunAsync(options);
}

if (all || options.Scenario == "daemon-memory")
{
    await DaemonMemoryScenario.RunAsync(options);
}

// Not part of all: they need the PostgreSQL server binaries (and peers needs npm).
if (options.Scenario == "cluster")
{
    await ClusterScenario.RunAsync(options);
}

if (options.Scenario == "scaling")
{
    await ScalingScenario.RunAsync(options);
}

if (options.Scenario == "peers")
{
    await PeersScenario.RunAsync(options);
}

return 0;
