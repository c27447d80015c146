using System.CommandLine;
using AgentCron.Core.Contracts;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron ui</c>: a fresh one-time link that signs a browser in to the web UI.</summary>
internal static class UiCommand
{
    public static Command Create(CliContext context)
    {
        var json = CommonOptions.Json();
        var command = new Command("ui", "Print a one-time link that signs a browser in to the web UI (good once, for 15 minutes)") { json };
        command.SetClientBody(context, async (parse, client, ct) =>
        {
            var link = await client.SendAsync<UiLinkView>(HttpMethod.Post, "api/ui/link", null, null, ct);
            return await context.PrintAsync(parse.GetValue(json), link.Json, () => $"Open this link within 15 minutes (it works once):\n  {link.Value.Url}");
        });
        return command;
    }
}
