using System.CommandLine;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron nodes</c>: the daemons working on the store, as the store records them.</summary>
internal static class NodesCommand
{
    public static Command Create(CliContext context)
    {
        var json = CommonOptions.Json();
        var tz = CommonOptions.DisplayTz();
        var command = new Command("nodes", "The daemons working on this store: host, pid, version, started, last heartbeat, status") { json, tz };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var nodes = await client.SendAsync<IReadOnlyList<NodeView>>(HttpMethod.Get, "api/nodes", null, null, ct);
            return await context.PrintAsync(parse.GetValue(json), nodes.Json, () => Text(nodes.Value, context.TimeText(parse.GetValue(tz))));
        });
        return command;
    }

    public static string Text(IReadOnlyList<NodeView> nodes, TimeText time)
    {
        var table = new Table("NODE", "HOST", "PID", "VERSION", "STATUS", "STARTED", "LAST SEEN");
        foreach (var node in nodes)
        {
            table.Add(
                node.Self ? $"{node.Id} (this)" : node.Id,
                node.Host,
                node.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                node.Version,
                node.Status,
                time.Relative(node.StartedAt),
                time.Relative(node.LastSeenAt));
        }

        return table.ToString();
    }
}
