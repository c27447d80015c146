using System.CommandLine;
using AgentCron.Client;

namespace AgentCron.Cli.Commands;

/// <summary>Wires a command's body so that every failure ends as one stderr line and the right exit code.</summary>
internal static class Actions
{
    public static void SetBody(this Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await body(parse, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var (exitCode, message) = ErrorReport.Describe(e);
                await context.Error.WriteLineAsync(message);
                return exitCode;
            }
        });

    /// <summary>Shorthand for a command that only talks to the daemon.</summary>
    public static void SetClientBody(this Command command, CliContext context, Func<ParseResult, AgentCronClient, CancellationToken, Task<int>> body) =>
        command.SetBody(context, async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient();
            return await body(parse, client, cancellationToken);
        });

    /// <summary>Prints the daemon's JSON (indented) when <paramref name="json"/> is set, else <paramref name="human"/>.</summary>
    public static async Task<int> PrintAsync(this CliContext context, bool json, System.Text.Json.JsonElement raw, Func<string> human)
    {
        var text = json ? Client.Json.Indented(raw) : human();
        await context.Out.WriteLineAsync(text.TrimEnd('\n'));
        return ExitCodes.Ok;
    }
}

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print the API's JSON (indented) and nothing else" };

    public static Option<string> DisplayTz() => new("--tz")
    {
        Description = "Show times in this IANA zone (default: this machine's zone)",
        HelpName = "ZONE",
    };

    public static Option<int?> Limit(string what) => new("--limit")
    {
        Description = $"At most this many {what} (per page with --all)",
        HelpName = "N",
    };

    public static Option<bool> All(string what) => new("--all") { Description = $"Follow the pages until all {what} are listed" };
}
