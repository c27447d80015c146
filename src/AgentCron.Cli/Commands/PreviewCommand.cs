using System.CommandLine;
using System.Globalization;
using System.Text;
using AgentCron.Client;
using AgentCron.Core.Contracts;
using AgentCron.Core.Model;
using AgentCron.Core.Time;
using AgentCron.Core.Triggers;

namespace AgentCron.Cli.Commands;

/// <summary><c>agentcron preview</c>: the next occurrences of a trigger, computed here without a daemon.</summary>
public static class PreviewCommand
{
    public const int DefaultCount = 10;

    internal static Command Create(CliContext context)
    {
        var cron = new Option<string>("--cron") { Description = "A cron expression: \"30 8 * * 1-5\", @daily", HelpName = "EXPR" };
        var every = new Option<string>("--every") { Description = "A fixed interval from --from: 15m", HelpName = "DURATION" };
        var window = new Option<string>("--window") { Description = "A daily window: 09:00-11:00", HelpName = "HH:MM-HH:MM" };
        var at = new Option<string>("--at") { Description = "One time: +20m, 2026-11-22T09:00:00+01:00, 2026-11-22 09:00", HelpName = "TIME" };
        var tz = new Option<string>("--tz") { Description = "IANA zone of the trigger and of the times shown (default: this machine's)", HelpName = "ZONE" };
        var from = new Option<string>("--from") { Description = "Start after this time (default: now)", HelpName = "TIME" };
        var count = CommonOptions.WholeNumber("--count", $"How many occurrences (default {DefaultCount})", min: 1, max: Trigger.MaxPreview, "-n");
        var json = CommonOptions.Json();
        var command = new Command("preview", "Show the next occurrences of a schedule, as instants with offsets") { cron, every, window, at, tz, from, count, json };
        command.Validators.Add(result =>
        {
            var given = new[] { cron, every, window, at }.Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
            if (given.Count != 1)
                result.AddError(given.Count == 0
                    ? "give one of --cron, --every, --window or --at"
                    : $"give only one of --cron, --every, --window or --at; got {string.Join(" and ", given)}");
        });
        command.SetBody(context, async (parse, _) =>
        {
            var input = new TriggerInput(At: parse.GetValue(at), Every: parse.GetValue(every), Cron: parse.GetValue(cron), Window: parse.GetValue(window), Tz: parse.GetValue(tz));
            var preview = Compute(input, parse.GetValue(from), parse.GetValue(count) ?? DefaultCount, context.Time.GetUtcNow(), context.LocalZone);
            await context.Out.WriteLineAsync(parse.GetValue(json) ? Json.Indented(preview) : Format(preview).TrimEnd('\n'));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Resolves the trigger as if it were created at <paramref name="from"/> (so <c>--every</c> counts from there
    /// and <c>--at +20m</c> means 20 minutes after it) and lists its next occurrences in the trigger's zone.
    /// </summary>
    /// <exception cref="Core.InvalidFieldException">On an invalid trigger, zone, start time or count.</exception>
    public static PreviewView Compute(TriggerInput input, string? from, int count, DateTimeOffset now, TimeZoneInfo localZone)
    {
        ArgumentNullException.ThrowIfNull(input);
        var zone = TimeZones.Resolve(input.Tz, localZone, "--tz");
        // Whole seconds: an "every" preview then reads 09:15:00 rather than 09:15:00.3141592.
        var start = from is null ? now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)) : Instants.Parse(from, now, zone, "--from");
        Trigger trigger;
        try
        {
            trigger = input.Resolve(start, localZone)
                ?? throw new UsageException("give one of --cron, --every, --window or --at");
        }
        catch (Core.InvalidFieldException e)
        {
            throw new Core.InvalidFieldException("--" + e.Field, e.Reason);
        }
        var occurrences = Trigger.Preview(trigger, start, count).Select(o => TimeZoneInfo.ConvertTime(o, zone)).ToList();
        var view = new TriggerView(EnumText.ToText(trigger.Kind), trigger.Expression, trigger.TimeZoneId, trigger.Anchor, trigger.Describe());
        return new PreviewView(view, occurrences);
    }

    /// <summary>The description, then one line per occurrence: <c>2026-11-22 09:00:00 +01:00  Sun</c>.</summary>
    public static string Format(PreviewView preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        var text = new StringBuilder().Append(preview.Trigger.Description).Append('\n');
        if (preview.Occurrences.Count == 0)
            text.Append("(no future occurrences)\n");
        foreach (var o in preview.Occurrences)
            text.Append(Instants.Format(o)).Append("  ").Append(o.ToString("ddd", CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }
}
