namespace AgentCron.Bench.Peers;

/// <summary>One job to schedule: its id (what the probe counts) and when it is due.</summary>
internal sealed record PeerJob(string Id, DateTimeOffset Due);

/// <summary>A scheduler under measurement, on a fresh database, with a no-op job that calls <see cref="Probe.Ran"/>.</summary>
internal interface IPeer : IAsyncDisposable
{
    string Product { get; }
    string Version { get; }

    /// <summary>The settings in effect that differ from the product's defaults (empty at defaults), plus the worker count.</summary>
    IReadOnlyDictionary<string, object> Settings { get; }

    /// <summary>Creates the schema (before anything is measured).</summary>
    Task PrepareAsync(CancellationToken ct);

    /// <summary>Schedules the jobs, in as few round trips as the product allows; works before and after <see cref="StartAsync"/>.</summary>
    Task AddAsync(IReadOnlyList<PeerJob> jobs, CancellationToken ct);

    Task StartAsync(CancellationToken ct);

    Task StopAsync(CancellationToken ct);
}
