using System.CommandLine;
using AgentCron.Client;
using AgentCron.Client.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron mcp</c>: an MCP server over stdio for agents that speak MCP, backed by the daemon's API.</summary>
internal static class McpCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("mcp", "Serve AgentCron's tools (schedule_follow_up, list_tasks, show_task, cancel_task) to an MCP client over stdio");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = Host.CreateApplicationBuilder();
            // stdout carries the protocol: everything else goes to stderr.
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            // One line per entry: a refused tool call is one line, however often an agent makes it.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(_ => context.CreateClient());
            builder.Services.AddSingleton(new McpThread(context.Environment["AGENTCRON_THREAD"] as string));
            builder.Services.AddMcpServer().WithStdioServerTransport().WithTools<AgentCronTools>()
                .WithRequestFilters(filters => filters.AddCallToolFilter(ToolErrors.Filter));
            await builder.Build().RunAsync(cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }
}
