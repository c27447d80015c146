using System.CommandLine;
using AgentCron.Client;
using AgentCron.Core.Tasks;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron prompt</c>: the system-prompt section on scheduling follow-ups, for agents wired by hand.</summary>
internal static class PromptCommand
{
    public static Command Create(CliContext context)
    {
        var thread = new Option<string>("--thread") { Description = "The chat thread to name in it (default: AGENTCRON_THREAD, if set)", HelpName = "PLATFORM:CHANNEL[:THREAD]" };
        var command = new Command("prompt", "Print the system-prompt section that tells an agent how to schedule its own follow-ups") { thread };
        command.SetAction(async (parse, _) =>
        {
            var anchor = parse.GetValue(thread) ?? context.Environment["AGENTCRON_THREAD"] as string;
            await context.Out.WriteLineAsync(AgentPrompt.Section(string.IsNullOrWhiteSpace(anchor) ? null : anchor, 5));
            return ExitCodes.Ok;
        });
        return command;
    }
}
