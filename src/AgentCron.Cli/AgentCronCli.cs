using System.CommandLine;
using System.CommandLine.Invocation;
using AgentCron.Client;
using AgentCron.Cli.Commands;

namespace AgentCron.Cli;

/// <summary>The <c>agentcron</c> command line: the command tree and how it runs.</summary>
public static class AgentCronCli
{
    /// <summary>How long <c>serve</c> may take to stop after Ctrl+C or SIGTERM before the process is ended (running agents are stopped first).</summary>
    public static readonly TimeSpan ServeStopTimeout = TimeSpan.FromSeconds(60);

    public static RootCommand BuildRootCommand(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RootCommand("AgentCron: schedule AI agents to run later, or again and again")
        {
            ServeCommand.Create(context),
            TaskCommands.Create(context),
            RunsCommands.Create(context),
            PreviewCommand.Create(context),
            AgentsCommand.Create(context),
            NodesCommand.Create(context),
            PromptCommand.Create(context),
            McpCommand.Create(context),
        };
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. Exit codes: 0 ok, 1 error, 2 usage error (bad flags, or input the
    /// daemon rejected as invalid), 130 interrupted.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= CliContext.Default;
        var parse = BuildRootCommand(context).Parse(args);

        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
                await context.Error.WriteLineAsync(ErrorReport.Prefix + error.Message);
            var path = string.Join(' ', CommandPath(parse));
            await context.Error.WriteLineAsync($"Run '{path} --help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            ProcessTerminationTimeout = parse.CommandResult.Command.Name == "serve" ? ServeStopTimeout : TimeSpan.FromSeconds(2),
        };
        return await parse.InvokeAsync(invocation, cancellationToken);
    }

    private static Stack<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Push(result.Command is RootCommand ? "agentcron" : result.Command.Name);
        return names;
    }
}
