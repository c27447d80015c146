using System.Diagnostics;

namespace AgentCron.Bench;

/// <summary>
/// How the <c>peers</c> scenario starts each peer: the .NET peers (Quartz.NET, Hangfire) from
/// bench/AgentCron.Bench.Peers, built here in Release; graphile-worker from bench/peers/graphile-worker, whose pinned
/// packages <c>npm ci</c> installs on first use (the bench's own set-up, through the package manager).
/// </summary>
internal sealed class PeerCommands
{
    private readonly string _dotnetPeers;
    private readonly string _graphileWorker;

    private PeerCommands(string dotnetPeers, string graphileWorker)
    {
        _dotnetPeers = dotnetPeers;
        _graphileWorker = graphileWorker;
    }

    public static async Task<PeerCommands> PrepareAsync(BenchOptions options)
    {
        var root = BenchOptions.RepoRoot();
        var project = Path.Combine(root, "bench", "AgentCron.Bench.Peers");
        var graphile = Path.Combine(root, "bench", "peers", "graphile-worker");
        if (options.Peers.Any(p => p is "quartz" or "hangfire"))
        {
            Console.WriteLine("  building bench/AgentCron.Bench.Peers (Release)…");
            await RunAsync("dotnet", ["build", project, "-c", "Release", "-v", "quiet", "-nologo"], root);
        }

        if (options.Peers.Contains("graphile-worker") && !Directory.Exists(Path.Combine(graphile, "node_modules", "graphile-worker")))
        {
            Console.WriteLine("  installing graphile-worker (npm ci in bench/peers/graphile-worker)…");
            await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], graphile);
        }

        return new PeerCommands(Path.Combine(project, "bin", "Release", "net10.0", "AgentCron.Bench.Peers.dll"), graphile);
    }

    public ProcessStartInfo StartInfo(string product) => product == "graphile-worker"
        ? new ProcessStartInfo("node") { ArgumentList = { Path.Combine(_graphileWorker, "peer.mjs") }, WorkingDirectory = _graphileWorker }
        : new ProcessStartInfo("dotnet") { ArgumentList = { _dotnetPeers } };

    private static async Task RunAsync(string file, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed (exit {process.ExitCode}):\n{await output}\n{await errors}");
        }
    }
}
