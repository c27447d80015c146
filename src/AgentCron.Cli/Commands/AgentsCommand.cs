using System.CommandLine;
using AgentCron.Cli.Output;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron agents</c>: which providers the daemon can run, as the daemon sees them (its PATH, its settings).</summary>
internal static class AgentsCommand
{
    public static Command Create(CliContext context)
    {
        var json = CommonOptions.Json();
        var command = new Command("agents", "Which agent providers the daemon has: installed or not, version, path") { json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var agents = await client.SendAsync<IReadOnlyList<AgentView>>(HttpMethod.Get, "api/agents", null, null, ct);
            return await context.PrintAsync(parse.GetValue(json), agents.Json, () => Text(agents.Value));
        });
        return command;
    }

    public static string Text(IReadOnlyList<AgentView> agents)
    {
        var table = new Table("PROVIDER", "ALIASES", "STATUS", "VERSION", "PATH / NOTE");
        foreach (var agent in agents)
        {
            table.Add(
                agent.IsDefault ? $"{agent.Provider} (default)" : agent.Provider,
                agent.Aliases.Count == 0 ? "-" : string.Join(", ", agent.Aliases),
                agent.Available ? "ready" : "missing",
                agent.Version ?? "-",
                agent.Available ? agent.Path ?? agent.Note : agent.Note);
        }

        return table.ToString();
    }
}
