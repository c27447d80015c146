using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using AgentCron.Client;
using AgentCron.Cli.Commands;

namespace AgentCron.Cli;

/// <summary>The <c>agentcron</c> command line: the command tree and how it runs.</summary>
public static class AgentCronCli
{
    /// <summary>How long <c>serve</c> may take to stop after Ctrl+C or SIGTERM before the process is ended (running agents are stopped first).</summary>
    public static readonly TimeSpan ServeStopTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Response files are off: System.CommandLine would read any argument starting with <c>@</c> as a file of more
    /// arguments, so <c>--cron @daily</c> failed and a prompt naming an existing file spliced that file into the command.
    /// </summary>
    private static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    public static RootCommand BuildRootCommand(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RootCommand("AgentCron: schedule AI agents to run later, or again and again")
        {
            ServeCommand.Create(context),
            TaskCommands.Create(context),
            RunsCommands.Create(context),
            DeliveriesCommands.Deliveries(context),
            DeliveriesCommands.Channels(context),
            PreviewCommand.Create(context),
            AgentsCommand.Create(context),
            NodesCommand.Create(context),
            UiCommand.Create(context),
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
        var parse = BuildRootCommand(context).Parse(args, Parser);

        if (parse.Action is ParseErrorAction)
        {
            foreach (var message in ErrorMessages(parse))
                await context.Error.WriteLineAsync(ErrorReport.Prefix + message);
            await context.Error.WriteLineAsync($"Run '{string.Join(' ', CommandPath(parse.CommandResult))} --help' for usage.");
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

    /// <summary>
    /// The parse errors, the real problem first: an unknown command (everything after it is then meaningless), else
    /// each unknown option or argument, with System.CommandLine's suggestions; then the other errors. A group command
    /// given without its subcommand lists them instead of "Required command was not provided.".
    /// </summary>
    private static List<string> ErrorMessages(ParseResult parse)
    {
        var messages = new List<string>();
        var command = parse.CommandResult.Command;
        var unmatched = parse.UnmatchedTokens;
        if (unmatched.Count > 0 && command.Subcommands.Count > 0 && !unmatched[0].StartsWith('-'))
        {
            messages.Add($"unknown command '{unmatched[0]}'{DidYouMean(parse, unmatched[0])}");
            return messages;
        }

        foreach (var token in unmatched)
        {
            messages.Add(token.StartsWith('-')
                ? $"unknown option '{token}'{DidYouMean(parse, token)}"
                : $"unexpected argument '{token}'");
        }

        // System.CommandLine's own line for each unknown token ("Unrecognized command or argument 'x'.", in the user's
        // language) is replaced by the lines above; a bare command parsing the token alone reports just that line.
        var unrecognized = unmatched.SelectMany(t => new Command("probe").Parse([t], Parser).Errors.Select(e => e.Message)).ToHashSet();
        foreach (var error in parse.Errors.Where(e => !unrecognized.Contains(e.Message)))
        {
            // System.CommandLine reports a group command without its subcommand on the group itself; nothing else of
            // ours validates a group.
            if (error.SymbolResult is CommandResult { Command: { Subcommands.Count: > 0 } group })
                messages.Add($"'{string.Join(' ', CommandPath(parse.CommandResult))}' needs a command: {string.Join(", ", group.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}");
            else
                messages.Add(error.Message);
        }

        return messages;
    }

    /// <summary>
    /// <c>; did you mean 'task'?</c> when System.CommandLine's typo correction has suggestions for <paramref name="token"/>
    /// under the command it was given to. The library only prints them (one per line, after a line naming the token), so
    /// the command path and the token alone are parsed again and its printout is read.
    /// </summary>
    private static string DidYouMean(ParseResult parse, string token)
    {
        var path = parse.Tokens.Where(t => t.Type == TokenType.Command).Select(t => t.Value);
        var alone = parse.RootCommandResult.Command.Parse([.. path, token], Parser);
        using var printed = new StringWriter();
        alone.InvocationConfiguration.Output = printed;
        alone.InvocationConfiguration.Error = TextWriter.Null;
        new ParseErrorAction { ShowHelp = false, ShowTypoCorrections = true }.Invoke(alone);
        var suggestions = printed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Skip(1).ToList();
        return suggestions.Count == 0 ? "" : $"; did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?";
    }

    private static Stack<string> CommandPath(CommandResult? command)
    {
        var names = new Stack<string>();
        for (var result = command; result is not null; result = result.Parent as CommandResult)
            names.Push(result.Command is RootCommand ? "agentcron" : result.Command.Name);
        return names;
    }
}
