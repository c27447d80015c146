using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using AgentCron.Client;
using AgentCron.Core;
using AgentCron.Core.Model;

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

    public static Option<int?> Limit(string what) => WholeNumber("--limit", $"At most this many {what} (per page with --all)", min: 1);

    public static Option<bool> All(string what) => new("--all") { Description = $"Follow the pages until all {what} are listed" };

    /// <summary>
    /// An option taking a whole number from <paramref name="min"/> to <paramref name="max"/>; anything else is refused
    /// naming the option and what it allows (System.CommandLine's own message names a .NET type).
    /// </summary>
    public static Option<int?> WholeNumber(string name, string description, int min, int max = int.MaxValue, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => Number(result, name, min, max),
    };

    /// <summary>
    /// An option taking one value of <typeparamref name="T"/>, read as the API reads it (<see cref="EnumText"/>); anything
    /// else is refused naming the option and the allowed values.
    /// </summary>
    public static Option<string> Choice<T>(string name, string description)
        where T : struct, Enum
    {
        var allowed = EnumText.Values<T>().ToArray();
        var option = new Option<string>(name) { Description = description, HelpName = string.Join('|', allowed) };
        option.CompletionSources.Add(allowed);
        option.Validators.Add(result =>
        {
            try
            {
                foreach (var token in result.Tokens)
                    EnumText.Parse<T>(token.Value, name);
            }
            catch (InvalidFieldException e)
            {
                result.AddError(e.Message);
            }
        });
        return option;
    }

    private static int? Number(ArgumentResult result, string name, int min, int max)
    {
        if (result.Tokens.Count != 1)
            return null; // System.CommandLine reports the missing value itself.
        var text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        var allowed = max == int.MaxValue ? $"≥ {min}" : $"from {min} to {max}";
        result.AddError($"{name}: '{text}' is not allowed; use a whole number {allowed}");
        return null;
    }
}
