using System.Globalization;

namespace AgentCron.Bench.Peers;

/// <summary>
/// The command line the bench starts a peer with — the same one the graphile-worker peer (bench/peers/graphile-worker)
/// takes: <c>--product quartz|hangfire --database sqlite|postgres --connection … --workload burst|throughput|single
/// --count N --settings defaults|best --lead-ms L --timeout-s T</c>.
/// </summary>
internal sealed record PeerArgs
{
    public required string Product { get; init; }
    public required string Database { get; init; }
    public required string Connection { get; init; }
    public required string Workload { get; init; }
    public required int Count { get; init; }
    public required bool Best { get; init; }
    public TimeSpan Lead { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public static PeerArgs Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            }

            values[args[i][2..]] = args[i + 1];
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required");
        string OneOf(string name, params string[] allowed) =>
            allowed.Contains(Required(name), StringComparer.Ordinal) ? values[name] : throw new ArgumentException($"--{name} must be one of {string.Join(", ", allowed)}");

        return new PeerArgs
        {
            Product = OneOf("product", "quartz", "hangfire"),
            Database = OneOf("database", "sqlite", "postgres"),
            Connection = Required("connection"),
            Workload = OneOf("workload", "burst", "throughput", "single"),
            Count = int.Parse(Required("count"), CultureInfo.InvariantCulture),
            Best = OneOf("settings", "defaults", "best") == "best",
            Lead = values.TryGetValue("lead-ms", out var lead) ? TimeSpan.FromMilliseconds(int.Parse(lead, CultureInfo.InvariantCulture)) : TimeSpan.FromSeconds(10),
            Timeout = values.TryGetValue("timeout-s", out var timeout) ? TimeSpan.FromSeconds(int.Parse(timeout, CultureInfo.InvariantCulture)) : TimeSpan.FromMinutes(5),
        };
    }
}
